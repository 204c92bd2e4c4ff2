'use strict';
// Self-tests: node --test test/   (run from terraform/tools/check; `run` does this before checking terraform/)
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { spawnSync } = require('child_process');
const { extractRefs } = require('../check');

const ROOT = path.join(__dirname, '..');
const FIX = path.join('test', 'fixtures');

function check(...dirs) {
  const r = spawnSync(process.execPath, ['check.js', ...dirs.map((d) => path.join(FIX, d))], { cwd: ROOT, encoding: 'utf8' });
  const lines = r.stdout.split('\n').filter((l) => l && !l.startsWith('terraform check'));
  return { code: r.status, lines, out: r.stdout + r.stderr };
}

function expectOnly(fixture, expected) {
  const r = check(fixture);
  assert.deepStrictEqual(r.lines, expected, r.out);
  assert.strictEqual(r.code, 1, r.out);
}

const f = (d, file = 'main.tf') => path.join(FIX, d, file);

test('good module passes', () => {
  const r = check('good');
  assert.deepStrictEqual(r.lines, [], r.out);
  assert.strictEqual(r.code, 0, r.out);
  assert.match(r.out, /2 files in 2 modules, 1 resources, 1 data sources, 1 module calls checked; 0 problem\(s\)/);
});

test('unknown resource type', () => expectOnly('unknown_resource_type', [
  `${f('unknown_resource_type')}:1: aws_dynamodb_tabel.t: unknown resource type "aws_dynamodb_tabel"`,
]));

test('unknown argument', () => expectOnly('unknown_argument', [
  `${f('unknown_argument')}:1: aws_dynamodb_table.t: unknown argument "hash_key_id"`,
]));

test('missing required argument', () => expectOnly('missing_required', [
  `${f('missing_required')}:1: aws_dynamodb_table.t: missing required argument "name"`,
]));

test('unknown nested block', () => expectOnly('unknown_nested_block', [
  `${f('unknown_nested_block')}:1: aws_dynamodb_table.t: unknown nested block "time_to_live"`,
]));

test('nested block arguments are checked against the block struct', () => expectOnly('nested_argument', [
  `${f('nested_argument')}:1: aws_dynamodb_table.t.replica: unknown argument "region"`,
  `${f('nested_argument')}:1: aws_dynamodb_table.t.replica: missing required argument "region_name"`,
]));

test('unresolved var', () => expectOnly('unresolved_var', [
  `${f('unresolved_var')}:1: aws_dynamodb_table.t: unresolved reference "var.table_name" (no variable "table_name")`,
]));

test('unresolved resource reference', () => expectOnly('unresolved_resource', [
  `${f('unresolved_resource')}:1: output.arn: unresolved reference "aws_dynamodb_table.missing" (no resource "aws_dynamodb_table" "missing")`,
]));

test('syntax error', () => {
  const r = check('syntax_error');
  assert.strictEqual(r.code, 1, r.out);
  assert.strictEqual(r.lines.length, 1, r.out);
  assert.match(r.lines[0], /syntax_error\/main\.tf: -: syntax error: .*Unclosed configuration block/);
});

test('unknown and missing module inputs', () => expectOnly(path.join('module_inputs', 'root'), [
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
