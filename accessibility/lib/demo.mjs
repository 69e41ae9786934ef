// The running demo, as run.sh started it: its addresses, its people, its
// outbox of emails, and (for a synthetic person of our own) the portal's
// signed internal API, which is how the bridge invites people.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');

function need(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the suite with accessibility/run.sh, which starts the demo`);
  }
  return value.replace(/\/$/, '');
}

export const demo = {
  get portal() { return need('PORTAL_URL'); },
  get bridge() { return need('BRIDGE_URL'); },
  get internal() { return need('PORTAL_INTERNAL_URL'); },
  get dataDir() { return need('DEMO_DATA_DIR'); },
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `[{name, role, email, service}]` from DIR/demo-users.json. */
export function demoUsers() {
  return JSON.parse(fs.readFileSync(path.join(demo.dataDir, 'demo-users.json'), 'utf8'));
}

// --- email --------------------------------------------------------------------

function decodeQuotedPrintable(text) {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/** One .eml file: its headers (lower-case names) and its plain-text body, decoded. */
export function parseEmail(raw) {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  let body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] || '').toLowerCase();
  if (encoding === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') body = Buffer.from(decodeQuotedPrintable(body), 'latin1').toString('utf8');
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

/** Every email in the outbox to `address`, newest first, as {file, mtime, headers, body}. */
export function emailsTo(address) {
  const dir = path.join(demo.dataDir, 'outbox');
  if (!fs.existsSync(dir)) return [];
  const found = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.eml')) continue;
    const file = path.join(dir, name);
    const mtime = fs.statSync(file).mtimeMs;
    const email = parseEmail(fs.readFileSync(file, 'utf8'));
    if ((email.headers.to || '').toLowerCase().includes(address.toLowerCase())) found.push({ file, mtime, ...email });
  }
  return found.sort((a, b) => b.mtime - a.mtime);
}

/**
 * Waits for the newest email to `address` written after `since` (ms) whose
 * body matches `pattern`; resolves to the match, or null after `timeout` ms.
 */
export async function waitForEmail(address, pattern, { since = 0, timeout = 8000 } = {}) {
  const until = Date.now() + timeout;
  for (;;) {
    for (const email of emailsTo(address)) {
      if (email.mtime < since) break;
      const match = email.body.match(pattern);
      if (match) return match;
    }
    if (Date.now() > until) return null;
    await sleep(200);
  }
}

// --- the portal's internal API, for a synthetic person ----------------------------

const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

function checkChar(data) {
  const n = ALPHABET.length;
  let sum = 0;
  let factor = 2;
  for (const c of [...data].reverse()) {
    const addend = factor * ALPHABET.indexOf(c);
    sum += Math.floor(addend / n) + (addend % n);
    factor = factor === 2 ? 1 : 2;
  }
  return ALPHABET[(n - (sum % n)) % n];
}

/** A new invitation code, as content::invitation::new_code makes them. */
export function newInvitationCode() {
  const data = Array.from(crypto.randomBytes(10), (b) => ALPHABET[b % ALPHABET.length]).join('');
  return data + checkChar(data);
}

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

/** A signed PUT to the portal's internal API, as the bridge sends them (content::sync). */
export async function internalPut(pathname, body) {
  const secret = fs.readFileSync(path.join(demo.dataDir, 'sync-secret'), 'utf8').trim();
  const json = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  const nonce = crypto.randomBytes(16).toString('hex');
  const signature = crypto
    .createHmac('sha256', secret)
    .update(`PUT\n${pathname}\n${timestamp}\n${nonce}\n${sha256(json)}`)
    .digest('hex');
  const response = await fetch(demo.internal + pathname, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      'x-familystory-timestamp': String(timestamp),
      'x-familystory-nonce': nonce,
      'x-familystory-signature': signature,
    },
    body: json,
  });
  if (!response.ok) throw new Error(`PUT ${pathname}: ${response.status} ${await response.text()}`);
}

/**
 * A synthetic family member (nobody real), invited the way the bridge invites
 * people, with one published item: {id, firstName, dob, code, itemId}.
 */
export async function inviteSyntheticPerson({ firstName = 'Robin', surname = 'Testfield', dob = '2015-03-27', role = 'child' } = {}) {
  const id = crypto.randomUUID();
  await internalPut(`/internal/v1/people/${id}`, {
    display_name: `${firstName} ${surname}`,
    first_name: firstName,
    role,
    date_of_birth: dob,
  });
  const code = newInvitationCode();
  await internalPut(`/internal/v1/invitations/${crypto.randomUUID()}`, {
    person_id: id,
    code_hash: sha256(`invitation:${code}`),
    expires_at: Math.floor(Date.now() / 1000) + 3600,
  });
  const itemId = crypto.randomUUID();
  await internalPut(`/internal/v1/publications/${itemId}`, {
    version: 1,
    kind: 'plan',
    title: 'My plan',
    body_markdown:
      '# What will happen\n\nYour worker will visit every two weeks.\n\n## Who to talk to\n\n- Your worker\n- Your teacher\n\n| When | What |\n| --- | --- |\n| Monday | School |\n',
    audience: [id],
    published_at: Math.floor(Date.now() / 1000),
  });
  return { id, firstName, dob, code, itemId };
}
