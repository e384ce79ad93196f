// The sign-in pages of the download endpoint: ask for a one-time code, enter it, "signed in",
// and the 403 that names what was tried and whom to ask. The token travels only in POST bodies
// and same-origin paths, never in a third-party URL; every page sends the strict headers.
import { escapeHtml } from './index-page';
import { page, type HttpResponse } from './download-page';

const hidden = (name: string, value: string) =>
  `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/** The first page of a link without a session, when sign-in is by one-time code. */
export function codeRequestPage(o: {
  what: string;
  token: string;
  maskedRecipient?: string;
  askAddress: boolean;
  notice?: string;
}): HttpResponse {
  const lines = [
    `Sign in to open ${o.what}.`,
    o.askAddress
      ? 'Enter your work e-mail address: if it may open this file, we e-mail it a one-time code.'
      : `We will e-mail a one-time code to the address this link was sent to (${o.maskedRecipient ?? 'its recipient'}).`,
    ...(o.notice ? [o.notice] : []),
  ];
  const form = `<form method="post" action="/auth/code">${hidden('t', o.token)}${
    o.askAddress ? '<p><label>E-mail <input type="email" name="email" required autocomplete="email"></label></p>' : ''
  }<p><button type="submit">E-mail me a code</button></p></form>`;
  return page(200, 'Sign in to the finance archive', lines, { html: form, formScript: true });
}

/** After a code was (or, for an address that may not open the file, was not) sent. */
export function codeEntryPage(o: {
  what: string;
  token: string;
  challengeId: string;
  sentTo: string;
  notice?: string;
}): HttpResponse {
  const lines = [
    `If ${o.sentTo} may open ${o.what}, a six-digit code is on its way to it. It works for 10 minutes.`,
    ...(o.notice ? [o.notice] : []),
  ];
  const form = `<form method="post" action="/auth/code/verify">${hidden('t', o.token)}${hidden('c', o.challengeId)}<p><label>Code <input name="code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required autocomplete="one-time-code"></label></p><p><button type="submit">Sign in</button></p></form>`;
  return page(200, 'Enter the code we e-mailed', lines, { html: form, formScript: true });
}

/** Signed in: go on to the file (a meta refresh, so the form's CSP does not govern the redirect to storage). */
export function signedInPage(o: { who: string; returnTo: string; what: string }): HttpResponse {
  const href = escapeHtml(o.returnTo);
  return page(200, 'Signed in', [`Signed in as ${o.who}. Opening ${o.what}…`], {
    head: `<meta http-equiv="refresh" content="0;url=${href}">`,
    html: `<p><a href="${href}">Open ${escapeHtml(o.what)}</a></p>`,
  });
}

export function deniedPage(o: { who: string; what: string; askWhom: readonly string[] }): HttpResponse {
  const ask = o.askWhom.length ? `Ask ${o.askWhom.join(' or ')} for access.` : 'Ask your finance team for access.';
  return page(403, 'You may not open this file', [
    `You are signed in as ${o.who}, and you tried to open ${o.what}.`,
    'This address is not among the readers of that file, so it was not opened; the attempt was recorded.',
    ask,
  ]);
}

export function revokedPage(what: string): HttpResponse {
  return page(403, 'This link has been revoked', [
    `The link to ${what} was withdrawn by the archive's operator.`,
    'Ask the Pulse operator or your finance team for a new link.',
  ]);
}

export function signInProblemPage(status: 400 | 403 | 429 | 503, title: string, message: string): HttpResponse {
  return page(status, title, [message, 'Open the link from your e-mail again to start over.']);
}

export function tooManyPage(message: string): HttpResponse {
  const res = page(429, 'Too many attempts', [message, 'Wait a while, then open the link from your e-mail again.']);
  return { ...res, headers: { ...res.headers, 'Retry-After': '3600' } };
}

export function signedOutPage(): HttpResponse {
  return page(200, 'Signed out', ['You are signed out of the finance archive on this browser.']);
}

/** The e-mail that carries a one-time code (no link in it: the code is typed into the page that asked for it). */
export function codeEmail(o: { code: string; what: string; companyName: string; ip: string | null }): {
  subject: string;
  text: string;
  html: string;
} {
  const subject = `${o.companyName} finance archive: your sign-in code ${o.code}`;
  const lines = [
    `Your code to open ${o.what} is ${o.code}.`,
    'It works for 10 minutes, once. Type it into the page that asked for it.',
    `Requested${o.ip ? ` from ${o.ip}` : ''}. If that was not you, ignore this message: nobody can open the file without the code.`,
  ];
  return {
    subject,
    text: `${lines.join('\n\n')}\n`,
    html: `<!doctype html><html><body style="font-family:system-ui,sans-serif">${lines.map((l, i) => (i === 0 ? `<p>Your code to open ${escapeHtml(o.what)} is <b style="font-size:1.4em;letter-spacing:.1em">${escapeHtml(o.code)}</b>.</p>` : `<p>${escapeHtml(l)}</p>`)).join('')}</body></html>`,
  };
}
