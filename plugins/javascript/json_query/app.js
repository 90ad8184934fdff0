// `json_query`: picks values out of a JSON document by path, e.g. `items[0].name`,
// `users[*].email` or `meta["content-type"]`.

const invalidArgs = (message) => ({ tag: 'invalid-args', val: message });

/** Splits a path into keys (strings), indexes (numbers) and wildcards ('*'). */
function parsePath(path) {
  const steps = [];
  let i = 0;
  const fail = (why) => { throw invalidArgs(`invalid path ${JSON.stringify(path)} at ${i}: ${why}`); };
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      if (i === 0 || i === path.length - 1) fail('a dot needs a key on both sides');
      i += 1;
      continue;
    }
    if (c === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) fail('unclosed [');
      const inner = path.slice(i + 1, end).trim();
      if (inner === '*') steps.push('*');
      else if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^"(?:[^"\\]|\\.)*"$/.test(inner)) steps.push(JSON.parse(inner));
      else fail('expected [N], [*] or ["key"]');
      i = end + 1;
      continue;
    }
    const m = /^[^.[\]]+/.exec(path.slice(i));
    if (!m) fail('expected a key');
    steps.push(m[0] === '*' ? '*' : m[0]);
    i += m[0].length;
  }
  return steps;
}

/** Every value the steps reach from `value`. */
function walk(values, steps) {
  for (const step of steps) {
    const next = [];
    for (const v of values) {
      if (step === '*') {
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if (typeof step === 'number') {
        if (Array.isArray(v) && step < v.length) next.push(v[step]);
      } else if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step)) {
        next.push(v[step]);
      }
    }
    values = next;
  }
  return values;
}

export const tool = {
  tools() {
    return [{
      name: 'json_query',
      description: 'Returns the value(s) at a path in a JSON document. Paths: `a.b`, `a[0]`, ' +
        '`a[*].b` (every element), `a["key with dots"]`. The result says whether anything matched.',
      parameters: JSON.stringify({
        type: 'object',
        properties: {
          document: { description: 'The JSON document: any JSON value, or JSON text as a string.' },
          path: { type: 'string', description: 'The path; empty for the whole document.' },
        },
        required: ['document', 'path'],
        additionalProperties: false,
      }),
    }];
  },

  call(name, argumentsJson) {
    const { document, path } = JSON.parse(argumentsJson);
    let doc = document;
    if (typeof document === 'string') {
      try {
        doc = JSON.parse(document);
      } catch (e) {
        throw invalidArgs(`document is a string but not JSON text: ${e.message}`);
      }
    }
    const steps = parsePath(path);
    const matches = walk([doc], steps);
    const wildcard = steps.includes('*');
    return JSON.stringify({
      found: matches.length > 0,
      value: wildcard ? matches : (matches.length ? matches[0] : null),
    });
  },
};
