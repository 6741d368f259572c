/**
 * /docs/socketio: the Socket.IO reference, rendered by the AsyncAPI React component's standalone
 * bundle (served from node_modules at /vendor/asyncapi/) from /docs/asyncapi.json.
 */
interface AsyncApiGlobal {
  render(props: { schema: { url: string }; config: Record<string, unknown> }, el: HTMLElement): void;
}

const asyncapi = (globalThis as { AsyncApiStandalone?: AsyncApiGlobal }).AsyncApiStandalone;
const root = document.getElementById('asyncapi');
if (!asyncapi || !root) {
  if (root) root.textContent = 'The Socket.IO reference could not load: see /docs/asyncapi.json.';
} else {
  root.replaceChildren();
  asyncapi.render({ schema: { url: '/docs/asyncapi.json' }, config: { show: { sidebar: true, errors: true }, sidebar: { showServers: 'byDefault', showOperations: 'byDefault' } } }, root);
}
