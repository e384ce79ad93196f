// A small browser for tests: keeps cookies the way a browser does (per host, not per port; Path,
// Max-Age, HttpOnly ignored since there is no script), follows redirects and meta refreshes, and
// submits the HTML forms of a page. Only loopback addresses are ever fetched.

export interface Visit {
  status: number;
  url: string;
  headers: Headers;
  body: Buffer;
  text: string;
  /** Every URL requested, with its status, in order. */
  history: { url: string; status: number }[];
}

interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

export interface FollowOptions {
  /** Stop before requesting a URL for which this returns true (the pending URL is in `stoppedAt`). */
  stopBefore?: (url: URL) => boolean;
  /** Follow `<meta http-equiv="refresh">` pages too (default true). */
  metaRefresh?: boolean;
}

export class Browser {
  readonly cookies: Cookie[] = [];
  /** Set when a FollowOptions.stopBefore stopped a visit. */
  stoppedAt: URL | undefined;

  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  setCookie(host: string, name: string, value: string, path = '/'): void {
    this.drop(host, name, path);
    this.cookies.push({ host, name, value, path });
  }

  private drop(host: string, name: string, path: string): void {
    const i = this.cookies.findIndex((c) => c.host === host && c.name === name && c.path === path);
    if (i >= 0) this.cookies.splice(i, 1);
  }

  private store(url: URL, res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let maxAge: number | undefined;
      let expired = false;
      for (const a of attrs) {
        const [k = '', v = ''] = a.split('=');
        if (k.toLowerCase() === 'path') path = v || '/';
        if (k.toLowerCase() === 'max-age') maxAge = Number(v);
        if (k.toLowerCase() === 'expires' && Date.parse(v) < Date.now()) expired = true;
      }
      this.drop(url.hostname, name, path);
      if (!(maxAge !== undefined && maxAge <= 0) && !expired)
        this.cookies.push({ host: url.hostname, name, value, path });
    }
  }

  private cookieHeader(url: URL): string | undefined {
    const list = this.cookies.filter(
      (c) =>
        c.host === url.hostname &&
        (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
    );
    return list.length ? list.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  private async request(url: URL, init: { method: string; body?: string }): Promise<Response> {
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
      throw new Error(`the test browser only visits loopback addresses, not ${url.href}`);
    const headers: Record<string, string> = { 'User-Agent': 'pulse-test-browser' };
    const cookie = this.cookieHeader(url);
    if (cookie) headers.Cookie = cookie;
    if (init.body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: init.method,
      redirect: 'manual',
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    this.store(url, res);
    return res;
  }

  /** GET, following redirects (and meta refreshes) like a browser. */
  get(url: string | URL, o: FollowOptions = {}): Promise<Visit> {
    return this.navigate(new URL(url), { method: 'GET' }, o);
  }

  /** Submits the page's form number `index` (default the first) with its fields plus `fields`. */
  submit(page: Visit, fields: Record<string, string> = {}, o: FollowOptions & { index?: number } = {}): Promise<Visit> {
    const forms = [...page.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
    const form = forms[o.index ?? 0];
    if (!form) throw new Error(`no form on ${page.url} (HTTP ${page.status})`);
    const attr = (s: string, name: string) => new RegExp(`${name}="([^"]*)"`, 'i').exec(s)?.[1];
    const action = new URL(decodeEntities(attr(form[1]!, 'action') ?? page.url), page.url);
    const method = (attr(form[1]!, 'method') ?? 'get').toUpperCase();
    const body = new URLSearchParams();
    for (const input of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const name = attr(input[1]!, 'name');
      if (name) body.set(name, decodeEntities(attr(input[1]!, 'value') ?? ''));
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    if (method === 'GET') {
      action.search = body.toString();
      return this.navigate(action, { method: 'GET' }, o);
    }
    return this.navigate(action, { method, body: body.toString() }, o);
  }

  private async navigate(start: URL, init: { method: string; body?: string }, o: FollowOptions): Promise<Visit> {
    const history: { url: string; status: number }[] = [];
    this.stoppedAt = undefined;
    let url = start;
    let req = init;
    for (let hop = 0; hop < 20; hop++) {
      if (o.stopBefore?.(url) && hop > 0) {
        this.stoppedAt = url;
        const last = history.at(-1)!;
        return { status: last.status, url: last.url, headers: new Headers(), body: Buffer.alloc(0), text: '', history };
      }
      const res = await this.request(url, req);
      history.push({ url: url.href, status: res.status });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        url = new URL(location, url);
        req = res.status === 307 || res.status === 308 ? req : { method: 'GET' };
        continue;
      }
      const body = Buffer.from(await res.arrayBuffer());
      const text = body.toString('utf8');
      const refresh = /<meta http-equiv="refresh" content="\d+;url=([^"]+)">/i.exec(text);
      if (refresh && o.metaRefresh !== false && res.status === 200) {
        url = new URL(decodeEntities(refresh[1]!), url);
        req = { method: 'GET' };
        continue;
      }
      return { status: res.status, url: url.href, headers: res.headers, body, text, history };
    }
    throw new Error(`more than 20 redirects from ${start.href}`);
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
