'use strict';
// Builds (once, then caches) a compact index of the AWS provider schema from the .jsii file that
// @cdktf/provider-aws ships. The .jsii is ~130 MB of JSON; the index is a few MB.
//
// How the .jsii maps to terraform:
//  - A resource is a class whose base is cdktf.TerraformResource (data source: cdktf.TerraformDataSource,
//    provider: cdktf.TerraformProvider). Its docs.summary reads
//    "Represents a {@link https://registry.terraform.io/.../resources/dynamodb_table aws_dynamodb_table}."
//    which gives the terraform type name; the initializer's `config` parameter names its config struct
//    (e.g. dynamodbTable.DynamodbTableConfig).
//  - A struct (datatype interface) lists properties; `optional: true` means optional, otherwise required.
//    A property whose type is (a list of) another struct of this assembly is a nested block (or nested
//    attribute object), e.g. attribute -> DynamodbTableAttribute, ttl -> DynamodbTableTtl.
//  - Property names are camelCase in jsii, but every property's docs carry the registry link with the
//    exact terraform name as the anchor: "{@link https://...#region_name DynamodbTable#region_name}".
//    We take the name from that anchor (no guessing with digits, e.g. `s3Bucket` / `ipv6CidrBlock`);
//    a snake_case conversion is only the fallback if a link were missing.
const fs = require('fs');
const os = require('os');
const path = require('path');

const PKG_DIR = path.dirname(require.resolve('@cdktf/provider-aws/package.json'));
const JSII = path.join(PKG_DIR, '.jsii');
const ASSEMBLY = '@cdktf/provider-aws';

function camelToSnake(name) {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

function tfNameOf(prop) {
  const text = `${(prop.docs && prop.docs.summary) || ''} ${(prop.docs && prop.docs.remarks) || ''}`;
  const m = /\{@link \S+#([A-Za-z0-9_-]+) [A-Za-z0-9_]+#([A-Za-z0-9_-]+)\}/.exec(text);
  if (m) return m[2];
  return camelToSnake(prop.name);
}

// Returns {fqn, list} when the type is a struct of this assembly (or a list/union of one), else null.
function structOf(type, types) {
  if (!type) return null;
  if (type.fqn) {
    const t = types[type.fqn];
    return t && t.datatype && type.fqn.startsWith(ASSEMBLY + '.') ? { fqn: type.fqn, list: false } : null;
  }
  if (type.collection) {
    if (type.collection.kind !== 'array') return null; // maps of structs do not occur as blocks
    const s = structOf(type.collection.elementtype, types);
    return s ? { fqn: s.fqn, list: true } : null;
  }
  if (type.union) {
    for (const u of type.union.types) {
      const s = structOf(u, types);
      if (s) return s;
    }
  }
  return null;
}

function build() {
  const jsii = JSON.parse(fs.readFileSync(JSII, 'utf8'));
  const types = jsii.types;
  const index = { version: jsii.version, providerVersion: null, resources: {}, data: {}, provider: null, structs: {} };
  const wanted = new Set();
  for (const t of Object.values(types)) {
    if (t.kind !== 'class') continue;
    const kind = { 'cdktf.TerraformResource': 'resources', 'cdktf.TerraformDataSource': 'data', 'cdktf.TerraformProvider': 'provider' }[t.base];
    if (!kind) continue;
    const summary = (t.docs && t.docs.summary) || '';
    const m = /\{@link (\S+) ([A-Za-z0-9_]+)\}/.exec(summary);
    const cfg = t.initializer && (t.initializer.parameters || []).find((p) => p.name === 'config');
    if (!m || !cfg || !cfg.type.fqn) throw new Error(`cannot map ${t.fqn} to a terraform type`);
    if (kind === 'provider') {
      index.provider = cfg.type.fqn;
      const v = /\/hashicorp\/aws\/([0-9.]+)\//.exec(m[1]);
      if (v) index.providerVersion = v[1];
    } else {
      index[kind][m[2]] = cfg.type.fqn;
    }
    wanted.add(cfg.type.fqn);
  }
  // Walk the structs reachable from the config structs.
  const queue = [...wanted];
  while (queue.length) {
    const fqn = queue.pop();
    if (index.structs[fqn]) continue;
    const props = {};
    const collect = (t) => {
      for (const iface of t.interfaces || []) if (types[iface]) collect(types[iface]);
      for (const p of t.properties || []) {
        const s = structOf(p.type, types);
        const entry = { req: !p.optional };
        if (s) {
          entry.st = s.fqn;
          if (!index.structs[s.fqn]) queue.push(s.fqn);
        }
        props[tfNameOf(p)] = entry;
      }
    };
    collect(types[fqn]);
    index.structs[fqn] = props;
  }
  return index;
}

function cacheFile() {
  const st = fs.statSync(JSII);
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8'));
  const name = `aws-schema-${pkg.version}-${st.size}-${Math.floor(st.mtimeMs)}-v1.json`;
  const dirs = [path.join(PKG_DIR, '..', '..', '.cache', 'mrgc-tfcheck'), path.join(os.tmpdir(), 'mrgc-tfcheck')];
  return { name, dirs };
}

function load() {
  const { name, dirs } = cacheFile();
  for (const d of dirs) {
    try {
      return JSON.parse(fs.readFileSync(path.join(d, name), 'utf8'));
    } catch (e) { /* not cached there */ }
  }
  const index = build();
  for (const d of dirs) {
    try {
      fs.mkdirSync(d, { recursive: true });
      const tmp = path.join(d, `${name}.${process.pid}.tmp`);
      fs.writeFileSync(tmp, JSON.stringify(index));
      fs.renameSync(tmp, path.join(d, name));
      break;
    } catch (e) { /* try the next cache dir */ }
  }
  return index;
}

module.exports = { load, build, camelToSnake };
