'use strict';
// Self-tests: node --test test/   (run from terraform/tools/check; `run` does this before checking terraform/)
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { spawnSync } = require('child_process');
const { extractRefs, run } = require('../check');

const ROOT = path.join(__dirname, '..');
const FIX = path.join('test', 'fixtures');

// In-process (the hcl2json wasm loads once); one CLI run below covers check.js's exit codes.
async function check(...dirs) {
  const r = await run(dirs.map((d) => path.join(FIX, d)), { base: ROOT });
  return { code: r.problems.length ? 1 : 0, lines: r.lines, out: [...r.lines, r.summary].join('\n') };
}

async function expectOnly(fixture, expected) {
  const r = await check(fixture);
  assert.deepStrictEqual(r.lines, expected, r.out);
  assert.strictEqual(r.code, 1, r.out);
}

const f = (d, file = 'main.tf') => path.join(FIX, d, file);

test('good module passes', async () => {
  const r = await check('good');
  assert.deepStrictEqual(r.lines, [], r.out);
  assert.strictEqual(r.code, 0, r.out);
  assert.match(r.out, /2 files in 2 modules, 1 resources, 1 data sources, 1 module calls checked; 0 problem\(s\)/);
});

test('unknown resource type', async () => expectOnly('unknown_resource_type', [
  `${f('unknown_resource_type')}:1: aws_dynamodb_tabel.t: unknown resource type "aws_dynamodb_tabel"`,
]));

test('unknown argument', async () => expectOnly('unknown_argument', [
  `${f('unknown_argument')}:1: aws_dynamodb_table.t: unknown argument "hash_key_id"`,
]));

test('missing required argument', async () => expectOnly('missing_required', [
  `${f('missing_required')}:1: aws_dynamodb_table.t: missing required argument "name"`,
]));

test('unknown nested block', async () => expectOnly('unknown_nested_block', [
  `${f('unknown_nested_block')}:1: aws_dynamodb_table.t: unknown nested block "time_to_live"`,
]));

test('nested block arguments are checked against the block struct', async () => expectOnly('nested_argument', [
  `${f('nested_argument')}:1: aws_dynamodb_table.t.replica: unknown argument "region"`,
  `${f('nested_argument')}:1: aws_dynamodb_table.t.replica: missing required argument "region_name"`,
]));

test('unresolved var', async () => expectOnly('unresolved_var', [
  `${f('unresolved_var')}:1: aws_dynamodb_table.t: unresolved reference "var.table_name" (no variable "table_name")`,
]));

test('unresolved resource reference', async () => expectOnly('unresolved_resource', [
  `${f('unresolved_resource')}:1: output.arn: unresolved reference "aws_dynamodb_table.missing" (no resource "aws_dynamodb_table" "missing")`,
]));

test('syntax error', async () => {
  const r = await check('syntax_error');
  assert.strictEqual(r.code, 1, r.out);
  assert.strictEqual(r.lines.length, 1, r.out);
  assert.match(r.lines[0], /syntax_error\/main\.tf: -: syntax error: .*Unclosed configuration block/);
});

test('unknown and missing module inputs', async () => expectOnly(path.join('module_inputs', 'root'), [
  `${f('module_inputs/root')}:1: module.m: unknown module input "extra": ../modules/m declares no variable "extra"`,
  `${f('module_inputs/root')}:1: module.m: missing required module input "needed" of ../modules/m`,
]));

test('reference extraction skips literals, functions, for variables and escapes', () => {
  const refs = (s) => extractRefs(s).filter((r) => r.length > 1).map((r) => r.join('.'));
  assert.deepStrictEqual(refs('${var.a}-${"var.not"}-$${var.escaped}'), ['var.a']);
  assert.deepStrictEqual(refs('${{ for k, v in var.m : k => upper(v.x) if v.on }}'), ['var.m']);
  assert.deepStrictEqual(refs('%{ for n in local.names }${n.id}%{ endfor }'), ['local.names']);
  assert.deepStrictEqual(refs('${data.aws_region.current.region}:${aws_s3_bucket.b[0].arn}'), ['data.aws_region.current.region', 'aws_s3_bucket.b']);
  assert.deepStrictEqual(refs('${merge(var.tags, {Name = "${var.name}-x"})}'), ['var.tags', 'var.name']);
  assert.deepStrictEqual(refs('${var.l[*].id} ${1.5e3} ${provider::aws::arn_parse(var.arn)}'), ['var.l', 'var.arn']);
  assert.deepStrictEqual(refs('${var.a == "x" ? "a\\"b${local.q}" : null}'), ['var.a', 'local.q']);
});

test('check.js exits 0 on a good module, 1 on problems, 2 on a bad directory', () => {
  const cli = (...args) => spawnSync(process.execPath, ['check.js', ...args], { cwd: ROOT, encoding: 'utf8' });
  const good = cli(path.join(FIX, 'good'));
  assert.strictEqual(good.status, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /^terraform check \(AWS provider 6\.25\.0\): 2 files in 2 modules/m);
  const bad = cli(path.join(FIX, 'unresolved_var'));
  assert.strictEqual(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /unresolved reference "var\.table_name"/);
  assert.strictEqual(cli(path.join(FIX, 'no_such_dir')).status, 2);
});
