import type { ChatClient } from '../../client/src/index.js';
import { t } from './i18n.js';
import { ui } from './ui.js';

const KEY = 'gby.alerts';

/**
 * While the tab is hidden: the unread count in the title, and, when the person asked for it, a
 * soft sound and a system notification per message.
 */
export function mountAttention(client: ChatClient, partnerName: () => string): void {
  let unread = 0;
  let enabled = false;
  try {
    enabled = localStorage.getItem(KEY) === '1';
  } catch {
    // alerts stay off
  }
  ui.alerts.checked = enabled;
  ui.alerts.addEventListener('change', () => {
    enabled = ui.alerts.checked;
    try {
      localStorage.setItem(KEY, enabled ? '1' : '0');
    } catch {
      // for this page only
    }
    if (enabled && 'Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
  });

  const title = () => (unread > 0 ? `(${unread}) ${t('app.title')}` : t('app.title'));
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) {
      unread = 0;
      document.title = title();
    }
  });

  client.on('message', (m) => {
    if (!document.hidden || m.uid === client.me?.uid) return;
    unread++;
    document.title = title();
    if (!enabled) return;
    beep();
    if ('Notification' in window && Notification.permission === 'granted') {
      new Notification(t('alerts.newMessage', { name: partnerName() }), { body: m.content.slice(0, 120), tag: 'gby-message' });
    }
  });
}

let audio: AudioContext | null = null;

/** A short, quiet two-note chime (no audio file to fetch). */
function beep(): void {
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.08, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.3);
    }
  } catch {
    // no audio: the title still counts
  }
}
