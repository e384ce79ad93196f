// The small SOQL subset the fake Salesforce understands: what the connector and the task adapter
// send. SELECT fields (relationship paths such as Owner.Email included) FROM object, WHERE
// conditions joined by AND (=, !=, <, <=, >, >=, IN (...), LIKE), ORDER BY fields, LIMIT n.
// Anything else is a MALFORMED_QUERY, as Salesforce would answer.

export type Literal = string | number | boolean | null | { dateTime: number };

export interface Condition {
  field: string;
  op: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'IN' | 'LIKE';
  value: Literal | Literal[];
}

export interface SoqlQuery {
  fields: string[];
  object: string;
  where: Condition[];
  orderBy: string[];
  limit?: number;
}

export class SoqlError extends Error {}

const TOKEN =
  /\s*(?:('(?:[^'\\]|\\.)*')|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(>=|<=|!=|[=<>(),*]))/y;

function tokenize(soql: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < soql.length) {
    if (/^\s*$/.test(soql.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(soql);
    if (!m) throw new SoqlError(`unexpected token at position ${pos}: ${soql.slice(pos, pos + 20)}`);
    out.push(m[0].trim());
    pos = TOKEN.lastIndex;
  }
  return out;
}

function literal(tok: string | undefined): Literal {
  if (tok === undefined) throw new SoqlError('a value is missing');
  if (tok.startsWith("'")) return tok.slice(1, -1).replace(/\\(.)/g, '$1');
  if (/^\d{4}-\d\d-\d\dT/.test(tok)) return { dateTime: Date.parse(tok) };
  if (/^-?\d/.test(tok)) return Number(tok);
  const lower = tok.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  throw new SoqlError(`unexpected value ${tok}`);
}

export function parseSoql(soql: string): SoqlQuery {
  const t = tokenize(soql);
  let i = 0;
  const kw = (word: string) => t[i]?.toUpperCase() === word;
  const expect = (word: string) => {
    if (!kw(word)) throw new SoqlError(`expected ${word} at "${t.slice(i, i + 3).join(' ')}"`);
    i++;
  };
  expect('SELECT');
  const fields: string[] = [];
  for (;;) {
    const f = t[i++];
    if (!f || !/^[A-Za-z_]/.test(f)) throw new SoqlError('expected a field name');
    fields.push(f);
    if (t[i] !== ',') break;
    i++;
  }
  expect('FROM');
  const object = t[i++];
  if (!object) throw new SoqlError('expected an object after FROM');
  const where: Condition[] = [];
  if (kw('WHERE')) {
    i++;
    for (;;) {
      const field = t[i++]!;
      const op = t[i++]?.toUpperCase() as Condition['op'];
      if (!['=', '!=', '<', '<=', '>', '>=', 'IN', 'LIKE'].includes(op))
        throw new SoqlError(`unsupported operator ${op}`);
      if (op === 'IN') {
        if (t[i++] !== '(') throw new SoqlError('expected ( after IN');
        const values: Literal[] = [];
        for (;;) {
          values.push(literal(t[i++]));
          const sep = t[i++];
          if (sep === ')') break;
          if (sep !== ',') throw new SoqlError('expected , or ) in IN (...)');
        }
        where.push({ field, op, value: values });
      } else {
        where.push({ field, op, value: literal(t[i++]) });
      }
      if (!kw('AND')) break;
      i++;
    }
  }
  const orderBy: string[] = [];
  if (kw('ORDER')) {
    i++;
    expect('BY');
    for (;;) {
      orderBy.push(t[i++]!);
      if (t[i] !== ',') break;
      i++;
    }
  }
  let limit: number | undefined;
  if (kw('LIMIT')) {
    i++;
    limit = Number(t[i++]);
  }
  if (i < t.length) throw new SoqlError(`unexpected "${t.slice(i).join(' ')}"`);
  return { fields, object, where, orderBy, ...(limit !== undefined ? { limit } : {}) };
}
