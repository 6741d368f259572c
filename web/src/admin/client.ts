import { Rest } from '../../../client/src/rest.js';
import type { BanResp, LoginResp, Report, ReportPage, UserInfo } from '../../../client/src/index.js';

const KEY = 'gby.admin.session';

/**
 * The moderator's session and the calls the page makes. The token lives in sessionStorage: it
 * ends with the tab, which suits a staff tool used on shared machines.
 */
export class AdminClient {
  private readonly rest = new Rest({ baseUrl: location.origin });
  private token: string | null = sessionStorage.getItem(KEY);

  get signedIn(): boolean {
    return this.token !== null;
  }

  async login(loginId: string, password: string): Promise<void> {
    const r = await this.rest.call<LoginResp>('POST', '/api/v1/auth/sessions', {
      body: { auth_method: 'credentials', login_id: loginId, credentials: { password, account_type: 'any' } },
    });
    this.token = r.access_token;
    sessionStorage.setItem(KEY, r.access_token);
  }

  async logout(): Promise<void> {
    const token = this.token;
    this.forget();
    if (token) await this.rest.call('DELETE', '/api/v1/auth/sessions', { token }).catch(() => undefined);
  }

  forget(): void {
    this.token = null;
    sessionStorage.removeItem(KEY);
  }

  me(): Promise<UserInfo> {
    return this.call<UserInfo>('GET', '/api/v1/user/me');
  }

  reports(status: 'open' | 'resolved', page: number): Promise<ReportPage> {
    return this.call<ReportPage>('GET', `/api/v1/admin/reports?status=${status}&page_size=20&page_index=${page}`);
  }

  report(id: string): Promise<Report> {
    return this.call<Report>('GET', `/api/v1/admin/reports/${encodeURIComponent(id)}`);
  }

  resolve(id: string, body: { action: 'dismiss' | 'ban'; duration_hours?: number; note?: string }): Promise<Report> {
    return this.call<Report>('POST', `/api/v1/admin/reports/${encodeURIComponent(id)}/resolve`, body);
  }

  unban(uid: string): Promise<BanResp> {
    return this.call<BanResp>('DELETE', `/api/v1/admin/users/${encodeURIComponent(uid)}/ban`);
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.rest.call<T>(method, path, { ...(this.token ? { token: this.token } : {}), ...(body !== undefined ? { body } : {}) });
  }
}
