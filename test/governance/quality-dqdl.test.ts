/** The rules as Glue Data Quality DQDL: one assertion per kind, the ruleset document, names, and the run's partition predicate. */
import { describe, expect, it } from 'vitest';
import { NAMED_FORMATS, qualityRule, type QualityRuleInput, type QualityTableName } from '../../lambda/config/governance-quality';
import { dqdlRule, dqdlRuleset, partitionPredicate, rulesetName, rulesetRules, sparkSql } from '../../lambda/governance/contracts/quality-dqdl';

const named = (table: QualityTableName, rule: QualityRuleInput, name = 'r') => ({ table, name, rule: qualityRule.parse(rule) });
const dqdl = (table: QualityTableName, rule: QualityRuleInput) => dqdlRule(named(table, rule), 'c360_lake');

describe('dqdlRule', () => {
  it('completeness: IsComplete for every row, Completeness with a ratio', () => {
    expect(dqdl('raw_events', { kind: 'completeness', column: 'messageid' })).toBe('IsComplete "messageid"');
    expect(dqdl('raw_events', { kind: 'completeness', column: 'userid', minRatio: 0.8 })).toBe('Completeness "userid" >= 0.8');
  });

  it('unique: IsUnique for all distinct, Uniqueness with a ratio', () => {
    expect(dqdl('profiles', { kind: 'unique', column: 'profile_id' })).toBe('IsUnique "profile_id"');
    expect(dqdl('raw_events', { kind: 'unique', column: 'messageid', minRatio: 0.99 })).toBe('Uniqueness "messageid" >= 0.99');
  });

  it('allowedValues: ColumnValues in a list, with a threshold below 1', () => {
    expect(dqdl('raw_events', { kind: 'allowedValues', column: 'type', values: ['track', 'page'] })).toBe('ColumnValues "type" in ["track", "page"]');
    expect(dqdl('raw_events', { kind: 'allowedValues', column: 'type', values: ['track'], minRatio: 0.9 })).toBe('ColumnValues "type" in ["track"] with threshold >= 0.9');
  });

  it('format: ColumnValues matches the named or given pattern, with a threshold below 1', () => {
    expect(dqdl('profiles', { kind: 'format', column: 'email', format: 'email' })).toBe(`ColumnValues "email" matches "${NAMED_FORMATS.email}"`);
    expect(dqdl('profiles', { kind: 'format', column: 'phone', format: 'e164', minRatio: 0.95 })).toBe('ColumnValues "phone" matches "^[+][1-9][0-9]{1,14}$" with threshold >= 0.95');
    expect(dqdl('raw_events', { kind: 'format', column: 'type', pattern: '^[a-z]+$' })).toBe('ColumnValues "type" matches "^[a-z]+$"');
  });

  it('freshness: CustomSql of the newest value\'s age in hours over primary', () => {
    expect(dqdl('raw_events', { kind: 'freshness', column: 'receivedat', maxAgeHours: 24 })).toBe(
      'CustomSql "select (unix_timestamp() - unix_timestamp(max(to_timestamp(`receivedat`)))) / 3600.0 from primary" <= 24',
    );
  });

  it('rowCount: RowCount with each bound, both as a composite rule', () => {
    expect(dqdl('profiles', { kind: 'rowCount', min: 1 })).toBe('RowCount >= 1');
    expect(dqdl('profiles', { kind: 'rowCount', max: 1000 })).toBe('RowCount <= 1000');
    expect(dqdl('profiles', { kind: 'rowCount', min: 1, max: 1000 })).toBe('(RowCount >= 1) and (RowCount <= 1000)');
  });

  it('customSql: the rule\'s own table as primary, another as its checked rows in the database', () => {
    expect(dqdl('quarantine', { kind: 'customSql', sql: 'SELECT count(*) FROM {quarantine} WHERE reason IS NULL', op: '=', value: 0 })).toBe(
      'CustomSql "SELECT count(*) FROM primary WHERE reason IS NULL" = 0',
    );
    expect(sparkSql('SELECT count(*) FROM {raw_events} e, {profiles} p', 'quarantine', 'db')).toBe(
      "SELECT count(*) FROM (select * from db.raw_events where dt >= date_format(date_sub(current_date(), 1), 'yyyy-MM-dd')) e, " +
        '(select * from db.profiles where export_id = (select max(export_id) from db.profiles)) p',
    );
  });
});

describe('dqdlRuleset', () => {
  it('is Rules = [ ... ] with one rule per line, in order, and refuses an empty ruleset', () => {
    const rules = [named('raw_events', { kind: 'completeness', column: 'messageid' }, 'a'), named('raw_events', { kind: 'rowCount', min: 1 }, 'b')];
    expect(dqdlRuleset(rules, 'db')).toBe('Rules = [\n  IsComplete "messageid",\n  RowCount >= 1\n]');
    expect(() => dqdlRuleset([], 'db')).toThrow(/at least one rule/);
  });

  it('splits a table\'s rules by severity, keeping their order', () => {
    const rules = [
      named('raw_events', { kind: 'rowCount', min: 1, severity: 'warn' }, 'w1'),
      named('raw_events', { kind: 'rowCount', min: 2 }, 'e1'),
      named('profiles', { kind: 'rowCount', min: 3 }, 'p1'),
      named('raw_events', { kind: 'rowCount', min: 4 }, 'e2'),
    ];
    expect(rulesetRules(rules, 'raw_events', 'error').map((r) => r.name)).toEqual(['e1', 'e2']);
    expect(rulesetRules(rules, 'raw_events', 'warn').map((r) => r.name)).toEqual(['w1']);
    expect(rulesetName('app-Quality', 'raw_events', 'warn')).toBe('app-Quality-raw_events-warn');
    expect(() => rulesetName('x'.repeat(250), 'raw_events', 'error')).toThrow(/255/);
  });
});

describe('partitionPredicate', () => {
  it('a day table: its last two days up to the given one (across a month end)', () => {
    expect(partitionPredicate('raw_events', '2026-12-01')).toBe("dt >= '2026-11-30'");
    expect(partitionPredicate('segment_events', '2026-03-01')).toBe("dt >= '2026-02-28'");
    expect(() => partitionPredicate('raw_events', "2026-12-01' OR 1=1")).toThrow(/YYYY-MM-DD/);
  });

  it('an export table: exactly its latest export', () => {
    expect(partitionPredicate('profiles', '20261201T220000Z')).toBe("export_id = '20261201T220000Z'");
    expect(() => partitionPredicate('profiles', "x' OR '1")).toThrow(/not an export id/);
  });
});
