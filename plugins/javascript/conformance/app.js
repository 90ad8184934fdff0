// The conformance plugin in JavaScript: the same eight tools, with the same behaviour, as
// the conformance plugin of every other language (see plugins/README.md).
import { log } from 'wasmcrew:plugin/host@0.1.0';
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.12';
import { getEnvironment } from 'wasi:cli/environment@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const OBJECT = '{"type":"object"}';
const schema = (name, type, extra = {}) =>
  JSON.stringify({ type: 'object', properties: { [name]: { type, ...extra } }, required: [name] });

// A `result` export returns its ok value, and throws its error value.
const failed = (message) => ({ tag: 'failed', val: message });
const invalidArgs = (message) => ({ tag: 'invalid-args', val: message });

function readFile(path) {
  for (const [dir, mount] of getDirectories()) {
    const prefix = mount.endsWith('/') ? mount : `${mount}/`;
    if (!path.startsWith(prefix)) continue;
    const file = dir.openAt({}, path.slice(prefix.length), {}, { read: true });
    const chunks = [];
    let offset = 0n;
    for (;;) {
      const [bytes, end] = file.read(65536n, offset);
      chunks.push(bytes);
      offset += BigInt(bytes.length);
      if (end || bytes.length === 0) break;
    }
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { all.set(c, at); at += c.length; }
    return new TextDecoder().decode(all);
  }
  throw failed(`cannot read ${path}: no preopened directory contains it`);
}

export const tool = {
  tools() {
    return [
      { name: 'echo', description: 'Returns its arguments.', parameters: OBJECT },
      { name: 'fail', description: 'Always fails.', parameters: OBJECT },
      { name: 'spin', description: 'Loops forever.', parameters: OBJECT },
      { name: 'sleep', description: 'Sleeps for `seconds`.', parameters: schema('seconds', 'number', { minimum: 0 }) },
      { name: 'alloc', description: 'Allocates `mb` MiB.', parameters: schema('mb', 'integer', { minimum: 0 }) },
      { name: 'log', description: 'Logs a line through host.log.', parameters: OBJECT },
      { name: 'env', description: 'Returns the environment variable `name`.', parameters: schema('name', 'string') },
      { name: 'read', description: 'Returns the file at `path`.', parameters: schema('path', 'string') },
    ];
  },

  call(name, argumentsJson) {
    let args;
    try {
      args = JSON.parse(argumentsJson);
    } catch (e) {
      throw invalidArgs(String(e));
    }
    switch (name) {
      case 'echo':
        return argumentsJson;
      case 'fail':
        throw failed('failed on purpose');
      case 'spin':
        for (;;) {}
      case 'sleep':
        subscribeDuration(BigInt(Math.round(args.seconds * 1e9))).block();
        return 'slept';
      case 'alloc': {
        const block = new Uint8Array(args.mb * 1024 * 1024);
        block.fill(1);
        return `allocated ${block.length / 1024 / 1024} MB`;
      }
      case 'log':
        log('info', 'hello from javascript');
        return 'logged';
      case 'env': {
        const found = getEnvironment().find(([key]) => key === args.name);
        if (!found) throw failed(`${args.name} is not set`);
        return found[1];
      }
      case 'read':
        try {
          return readFile(args.path);
        } catch (e) {
          if (e && e.tag === 'failed') throw e;
          throw failed(`cannot read ${args.path}: ${e && e.payload !== undefined ? e.payload : e}`);
        }
      default:
        throw invalidArgs(`no tool ${name}`);
    }
  },
};
