#!/usr/bin/env node
'use strict';
// Offline terraform checker: parses every .tf file with @cdktf/hcl2json and checks it against the AWS provider
// 6.25 schema (see schema.js) and against the module's own declarations. Usage: node check.js DIR...
// Prints "FILE:LINE: BLOCK: MESSAGE" per problem and a summary line; exits 1 on any problem, 2 on bad usage.
const fs = require('fs');
const path = require('path');
const hcl = require('@cdktf/hcl2json');
const schema = require('./schema');

// Meta-arguments allowed at the top level of every resource / data block.
const META = new Set(['count', 'for_each', 'provider', 'depends_on', 'lifecycle', 'provisioner', 'connection']);
// Roots of references that are not declarations of the module.
const BUILTIN_ROOTS = new Set(['each', 'count', 'path', 'self', 'terraform']);
const MODULE_META = new Set(['source', 'version', 'count', 'for_each', 'providers', 'depends_on']);
const SKIP_DIRS = new Set(['node_modules', '.terraform', '.git']);
// Types built into terraform itself (not the AWS provider): accepted, their bodies are not schema-checked.
const BUILTIN_TYPES = { resource: new Set(['terraform_data']), data: new Set(['terraform_remote_state']) };

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

// ---------------------------------------------------------------------------------------------------------
// Reference extraction. hcl2json renders every expression as a template string: literal text, with
// expressions inside ${...} and directives inside %{...}; $${ and %%{ are escaped literals. Inside an
// expression we skip quoted strings (recursing into their own ${...}), and collect traversals
// root.attr.attr... (stopping at [ or a splat), ignoring function calls and attribute accesses.

function extractRefs(s) {
  const refs = [];
  const locals = new Set();
  scanTemplate(s, 0, false, refs, locals);
  return refs.filter((r) => !locals.has(r[0]));
}

function scanTemplate(s, i, quoted, refs, locals) {
  while (i < s.length) {
    if (s.startsWith('$${', i) || s.startsWith('%%{', i)) { i += 3; continue; }
    if (s.startsWith('${', i) || s.startsWith('%{', i)) { i = scanExpr(s, i + 2, refs, locals); continue; }
    if (quoted) {
      if (s[i] === '\\') { i += 2; continue; }
      if (s[i] === '"') return i + 1;
    }
    i++;
  }
  return i;
}

function scanExpr(s, i, refs, locals) {
  let depth = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') { i = scanTemplate(s, i + 1, true, refs, locals); continue; }
    if (c === '{' || c === '(' || c === '[') { depth++; i++; continue; }
    if (c === '}' || c === ')' || c === ']') {
      if (c === '}' && depth === 0) return i + 1;
      depth--; i++; continue;
    }
    if (/[A-Za-z_]/.test(c) && !(i > 0 && /[A-Za-z0-9_.-]/.test(s[i - 1]))) {
      IDENT.lastIndex = i;
      const first = IDENT.exec(s)[0];
      i += first.length;
      if (first === 'for') {
        // for expression / directive: "for k, v in" or "for v in" -> loop variables are local
        const m = /^\s+([A-Za-z_][A-Za-z0-9_-]*)(?:\s*,\s*([A-Za-z_][A-Za-z0-9_-]*))?\s+in\b/.exec(s.slice(i));
        if (m) { locals.add(m[1]); if (m[2]) locals.add(m[2]); }
        continue;
      }
      const segs = [first];
      while (s[i] === '.') {
        IDENT.lastIndex = i + 1;
        const m = IDENT.exec(s);
        if (!m) break; // .* splat or .0 index
        segs.push(m[0]);
        i += 1 + m[0].length;
      }
      if (segs.length === 1 && /^\s*(\(|::)/.test(s.slice(i, i + 8))) continue; // function call
      refs.push(segs);
      continue;
    }
    i++;
  }
  return i;
}

// ---------------------------------------------------------------------------------------------------------

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isBlockList = (v) => Array.isArray(v) && v.length > 0 && v.every(isObj);
const stripExpr = (v) => (typeof v === 'string' ? v.replace(/^\$\{(.*)\}$/s, '$1').trim() : v);

function findTfFiles(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name)) findTfFiles(p, out); } else if (e.isFile() && e.name.endsWith('.tf')) out.push(p);
  }
  return out;
}

class Checker {
  constructor(index, base = process.cwd()) {
    this.index = index;
    this.base = base;
    this.problems = [];
    this.modules = new Map(); // abs dir -> module
    this.stats = { files: 0, modules: 0, resources: 0, data: 0, moduleCalls: 0 };
  }

  report(file, line, block, message) {
    const rel = path.relative(this.base, file);
    this.problems.push({ file: rel && !rel.startsWith('..') ? rel : file, line, block, message });
  }

  // Parses every .tf file of one directory (not recursive) into a module model.
  async loadModule(dir, counted) {
    dir = path.resolve(dir);
    if (this.modules.has(dir)) return this.modules.get(dir);
    const mod = { dir, files: [], variables: new Map(), locals: new Map(), outputs: new Map(), modules: new Map(), resources: new Map(), data: new Map(), ok: true, counted };
    this.modules.set(dir, mod);
    let names = [];
    try { names = fs.readdirSync(dir).filter((n) => n.endsWith('.tf')).sort(); } catch (e) { mod.missing = true; return mod; }
    if (!names.length) mod.missing = true;
    for (const n of names) {
      const file = path.join(dir, n);
      const text = fs.readFileSync(file, 'utf8');
      let json;
      try {
        json = await hcl.parse(file, text);
      } catch (e) {
        mod.ok = false;
        if (counted) this.report(file, null, '-', `syntax error: ${String(e.message).replace(/^parse config: /, '')}`);
        continue;
      }
      const f = { file, text, json };
      mod.files.push(f);
      const declare = (map, key, value, label) => {
        if (map.has(key)) { if (counted) this.report(file, this.lineOf(f, label), label, `duplicate declaration ${label}`); return; }
        map.set(key, { ...value, file: f });
      };
      for (const [name, bodies] of Object.entries(json.variable || {})) {
        for (const b of bodies) declare(mod.variables, name, { body: b, hasDefault: 'default' in b }, `variable.${name}`);
      }
      for (const bodies of [].concat(json.locals || [])) {
        for (const [name, v] of Object.entries(bodies)) declare(mod.locals, name, { value: v }, `local.${name}`);
      }
      for (const [name, bodies] of Object.entries(json.output || {})) for (const b of bodies) declare(mod.outputs, name, { body: b }, `output.${name}`);
      for (const [name, bodies] of Object.entries(json.module || {})) for (const b of bodies) declare(mod.modules, name, { body: b }, `module.${name}`);
      for (const kind of ['resource', 'data']) {
        const map = kind === 'resource' ? mod.resources : mod.data;
        for (const [type, byName] of Object.entries(json[kind] || {})) {
          for (const [name, bodies] of Object.entries(byName)) {
            for (const b of bodies) declare(map, `${type}.${name}`, { type, name, body: b }, `${kind === 'data' ? 'data.' : ''}${type}.${name}`);
          }
        }
      }
    }
    return mod;
  }

  lineOf(f, label) {
    // Best-effort line of a top-level block header, for the report (hcl2json drops positions).
    const parts = label.split('.');
    let re;
    const q = (x) => `"?${x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?`;
    if (parts[0] === 'data') re = new RegExp(`^\\s*data\\s+${q(parts[1])}\\s+${q(parts[2])}\\s*\\{`, 'm');
    else if (['variable', 'output', 'module', 'provider'].includes(parts[0])) re = new RegExp(`^\\s*${parts[0]}\\s+${q(parts[1])}\\s*\\{`, 'm');
    else if (parts[0] === 'local') re = new RegExp(`^\\s*${q(parts[1])}\\s*=`, 'm');
    else if (parts.length >= 2) re = new RegExp(`^\\s*resource\\s+${q(parts[0])}\\s+${q(parts[1])}\\s*\\{`, 'm');
    if (!re) return null;
    const m = re.exec(f.text);
    return m ? f.text.slice(0, m.index + m[0].length - m[0].trimStart().length).split('\n').length : null;
  }

  async checkModule(mod) {
    this.stats.modules++;
    this.stats.files += mod.files.length;
    for (const f of mod.files) {
      const j = f.json;
      for (const [name, bodies] of Object.entries(j.variable || {})) {
        for (const b of bodies) {
          const label = `variable.${name}`;
          const ctx = { mod, f, label, line: this.lineOf(f, label) };
          for (const [k, v] of Object.entries(b)) if (k !== 'type') this.walk(v, ctx, new Set());
        }
      }
      for (const bodies of [].concat(j.locals || [])) {
        for (const [name, v] of Object.entries(bodies)) {
          const label = `local.${name}`;
          this.walk(v, { mod, f, label, line: this.lineOf(f, label) }, new Set());
        }
      }
      for (const [name, bodies] of Object.entries(j.output || {})) {
        for (const b of bodies) {
          const label = `output.${name}`;
          this.walk(b, { mod, f, label, line: this.lineOf(f, label) }, new Set());
        }
      }
      for (const [name, bodies] of Object.entries(j.provider || {})) {
        for (const b of bodies) {
          const label = `provider.${name}`;
          const ctx = { mod, f, label, line: this.lineOf(f, label) };
          const { alias, ...rest } = b;
          this.walk(rest, ctx, new Set());
          if (name === 'aws') this.checkBody(rest, this.index.provider, ctx, label, false);
        }
      }
      for (const kind of ['resource', 'data']) {
        for (const [type, byName] of Object.entries(j[kind] || {})) {
          for (const [name, bodies] of Object.entries(byName)) {
            for (const b of bodies) {
              const label = `${kind === 'data' ? 'data.' : ''}${type}.${name}`;
              const ctx = { mod, f, label, line: this.lineOf(f, label) };
              this.stats[kind === 'data' ? 'data' : 'resources']++;
              const { provider, lifecycle, ...rest } = b;
              this.walk(rest, ctx, new Set());
              for (const lc of [].concat(lifecycle || [])) {
                const { ignore_changes: ignored, ...lcRest } = lc;
                this.walk(lcRest, ctx, new Set());
              }
              if (BUILTIN_TYPES[kind].has(type)) continue;
              const struct = (kind === 'data' ? this.index.data : this.index.resources)[type];
              if (!struct) {
                const other = type.startsWith('aws_') ? '' : ' (only the AWS provider schema is known to this check)';
                this.report(f.file, ctx.line, label, `unknown ${kind === 'data' ? 'data source' : 'resource'} type "${type}"${other}`);
                continue;
              }
              this.checkBody(b, struct, ctx, label, true);
            }
          }
        }
      }
      for (const [name, bodies] of Object.entries(j.module || {})) {
        for (const b of bodies) await this.checkModuleCall(mod, f, name, b);
      }
    }
  }

  async checkModuleCall(mod, f, name, b) {
    const label = `module.${name}`;
    const ctx = { mod, f, label, line: this.lineOf(f, label) };
    this.stats.moduleCalls++;
    for (const [k, v] of Object.entries(b)) if (k !== 'providers' && k !== 'source' && k !== 'version') this.walk(v, ctx, new Set());
    const source = b.source;
    if (typeof source !== 'string') { this.report(f.file, ctx.line, label, 'module call without a literal "source"'); return; }
    if (!/^\.\.?\//.test(source)) return; // registry / git sources are not checked
    const target = await this.loadModule(path.resolve(mod.dir, source), false);
    if (target.missing) { this.report(f.file, ctx.line, label, `module source "${source}" has no .tf files`); return; }
    if (!target.ok) return; // its syntax errors are reported where it is checked
    for (const k of Object.keys(b)) {
      if (MODULE_META.has(k)) continue;
      if (!target.variables.has(k)) this.report(f.file, ctx.line, label, `unknown module input "${k}": ${source} declares no variable "${k}"`);
    }
    for (const [v, decl] of target.variables) {
      if (!decl.hasDefault && !(v in b)) this.report(f.file, ctx.line, label, `missing required module input "${v}" of ${source}`);
    }
  }

  // Schema check of one block body against its config struct; recursive for nested blocks.
  checkBody(body, fqn, ctx, where, top) {
    const props = this.index.structs[fqn] || {};
    const set = new Set();
    for (const [k, v] of Object.entries(body)) {
      if (top && META.has(k)) continue;
      if (k === 'dynamic' && isObj(v)) {
        for (const [blockName, entries] of Object.entries(v)) {
          const p = props[blockName];
          if (!p || !p.st) { this.report(ctx.f.file, ctx.line, where, `unknown nested block "${blockName}" (dynamic)`); continue; }
          set.add(blockName);
          for (const e of [].concat(entries)) {
            for (const content of [].concat((e && e.content) || [])) {
              if (isObj(content)) this.checkBody(content, p.st, ctx, `${where}.${blockName}`, false);
            }
          }
        }
        continue;
      }
      const p = props[k];
      if (!p) {
        this.report(ctx.f.file, ctx.line, where, isBlockList(v) ? `unknown nested block "${k}"` : `unknown argument "${k}"`);
        continue;
      }
      set.add(k);
      if (p.st) {
        for (const e of Array.isArray(v) ? v : [v]) if (isObj(e)) this.checkBody(e, p.st, ctx, `${where}.${k}`, false);
      }
    }
    for (const [k, p] of Object.entries(props)) {
      if (p.req && !set.has(k)) this.report(ctx.f.file, ctx.line, where, `missing required ${p.st ? 'block' : 'argument'} "${k}"`);
    }
  }

  // Walks a value, checking every reference in every string; `dynamic` blocks add their iterator to the scope.
  walk(v, ctx, scope) {
    if (typeof v === 'string') { this.checkRefs(v, ctx, scope); return; }
    if (Array.isArray(v)) { for (const e of v) this.walk(e, ctx, scope); return; }
    if (!isObj(v)) return;
    for (const [k, val] of Object.entries(v)) {
      if (k === 'dynamic' && isObj(val)) {
        for (const [label, entries] of Object.entries(val)) {
          for (const e of [].concat(entries)) {
            if (!isObj(e)) continue;
            const iter = typeof e.iterator === 'string' ? stripExpr(e.iterator) : label;
            const inner = new Set(scope).add(iter);
            for (const [ek, ev] of Object.entries(e)) {
              if (ek === 'iterator') continue;
              this.walk(ev, ctx, ek === 'for_each' ? scope : inner);
            }
          }
        }
        continue;
      }
      this.walk(val, ctx, scope);
    }
  }

  checkRefs(s, ctx, scope) {
    if (!s.includes('${') && !s.includes('%{')) return;
    const { mod } = ctx;
    if (!mod.ok) return; // a file failed to parse: its declarations are unknown, so references are not judged
    for (const segs of extractRefs(s)) {
      const [root, a, b] = segs;
      if (BUILTIN_ROOTS.has(root) || scope.has(root)) continue;
      const bad = (ref, why) => this.report(ctx.f.file, ctx.line, ctx.label, `unresolved reference "${ref}"${why ? ` (${why})` : ''}`);
      if (root === 'var') { if (a && !mod.variables.has(a)) bad(`var.${a}`, `no variable "${a}"`); continue; }
      if (root === 'local') { if (a && !mod.locals.has(a)) bad(`local.${a}`, `no local "${a}"`); continue; }
      if (root === 'module') {
        if (!a) continue;
        const call = mod.modules.get(a);
        if (!call) { bad(`module.${a}`, `no module "${a}"`); continue; }
        const src = call.body.source;
        if (b && typeof src === 'string' && /^\.\.?\//.test(src)) {
          const target = this.modules.get(path.resolve(mod.dir, src));
          if (target && target.ok && !target.missing && !target.outputs.has(b)) bad(`module.${a}.${b}`, `${src} has no output "${b}"`);
        }
        continue;
      }
      if (root === 'data') {
        if (a && b && !mod.data.has(`${a}.${b}`)) bad(`data.${a}.${b}`, `no data "${a}" "${b}"`);
        continue;
      }
      if (segs.length < 2) continue; // bare names: keywords, object keys, ignore_changes entries
      if (!mod.resources.has(`${root}.${a}`)) bad(`${root}.${a}`, `no resource "${root}" "${a}"`);
    }
  }
}

// Checks the given directories (each directory holding .tf files, found recursively, is one module).
// Returns { problems: [{file, line, block, message}], stats, providerVersion, lines, summary }.
async function run(dirs, { base = process.cwd() } = {}) {
  const index = schema.load();
  const checker = new Checker(index, base);
  const moduleDirs = [];
  for (const d of dirs) {
    const abs = path.resolve(base, d);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new UsageError(`not a directory: ${d}`);
    for (const f of findTfFiles(abs, [])) { const md = path.dirname(f); if (!moduleDirs.includes(md)) moduleDirs.push(md); }
  }
  // Load every module first (module calls resolve their targets), then check.
  for (const md of moduleDirs) await checker.loadModule(md, true);
  for (const md of moduleDirs) await checker.checkModule(checker.modules.get(md));
  checker.problems.sort((x, y) => x.file.localeCompare(y.file) || (x.line || 0) - (y.line || 0));
  const lines = checker.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.block}: ${p.message}`);
  const s = checker.stats;
  const summary = `terraform check (AWS provider ${index.providerVersion}): ${s.files} files in ${s.modules} modules, ${s.resources} resources, ${s.data} data sources, ${s.moduleCalls} module calls checked; ${checker.problems.length} problem(s)`;
  // Every parsed file as hcl2json gives it, by module directory and file name (relative to base): what the Java
  // tests that tie terraform to the code read (--dump).
  const parsed = {};
  for (const md of moduleDirs) {
    const files = {};
    for (const f of checker.modules.get(md).files) files[path.basename(f.file)] = f.json;
    parsed[path.relative(base, md)] = files;
  }
  return { problems: checker.problems, stats: s, providerVersion: index.providerVersion, lines, summary, parsed };
}

class UsageError extends Error {}

async function main(argv) {
  const at = argv.indexOf('--dump');
  const dump = at >= 0 ? argv[at + 1] : null;
  if (at >= 0 && !dump) { console.error('usage: check.js [--dump FILE] DIR...'); return 2; }
  const dirs = argv.filter((a, i) => !a.startsWith('-') && (at < 0 || i !== at + 1));
  if (!dirs.length) { console.error('usage: check.js [--dump FILE] DIR...'); return 2; }
  let r;
  try {
    r = await run(dirs);
  } catch (e) {
    if (e instanceof UsageError) { console.error(`check.js: ${e.message}`); return 2; }
    throw e;
  }
  for (const l of r.lines) console.log(l);
  console.log(r.summary);
  if (dump) {
    fs.mkdirSync(path.dirname(path.resolve(dump)), { recursive: true });
    fs.writeFileSync(dump, JSON.stringify(r.parsed, null, 1));
  }
  return r.problems.length ? 1 : 0;
}

module.exports = { extractRefs, Checker, run, main };

if (require.main === module) {
  main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => { console.error(e && e.stack || e); process.exit(2); });
}
