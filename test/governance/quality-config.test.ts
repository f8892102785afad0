/** governance.quality: the rule schema, its cross-field checks naming the path, the defaults, and the table catalog held equal to the contracts. */
import { describe, expect, it } from 'vitest';
import { EXPORT_TABLE_COLUMNS, EXPORT_PARTITION, SEGMENT_EVENT_COLUMNS, type ExportTable } from '../../lambda/analytics/contracts/curated';
import { parseConfig } from '../../lambda/config';
import {
  DEFAULT_QUALITY_RULES,
  effectiveQualityRules,
  QUALITY_TABLES,
  qualityRule,
  ruleProblems,
  type QualityTableName,
} from '../../lambda/config/governance-quality';
import { QUARANTINE_COLUMNS, RAW_EVENT_COLUMNS } from '../../lib/constructs/collection/raw-lake';
import { SEGMENT_EVENTS_TABLE } from '../../lib/constructs/analytics/curated-tables';

const quality = (q: unknown) => parseConfig({ governance: { quality: q } }).governance.quality;
const problemsOf = (q: unknown) => {
  try {
    quality(q);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('the table catalog', () => {
  it('lists the raw and quarantine columns of the Glue tables, then the partitions', () => {
    expect(Object.keys(QUALITY_TABLES.raw_events.columns)).toEqual([...RAW_EVENT_COLUMNS.map((c) => c.name), 'source', 'dt']);
    expect(Object.keys(QUALITY_TABLES.quarantine.columns)).toEqual([...QUARANTINE_COLUMNS.map((c) => c.name), 'source', 'dt']);
    expect(QUALITY_TABLES.quarantine.columns.subsequence).toBe('int');
  });

  it('lists the curated columns of the export contract with their types, and the segment history', () => {
    for (const [table, columns] of Object.entries(EXPORT_TABLE_COLUMNS) as Array<[ExportTable, readonly { name: string; type: string }[]]>) {
      expect(QUALITY_TABLES[table].columns, table).toEqual({ ...Object.fromEntries(columns.map((c) => [c.name, c.type])), [EXPORT_PARTITION]: 'string' });
    }
    expect(Object.keys(QUALITY_TABLES[SEGMENT_EVENTS_TABLE as QualityTableName].columns)).toEqual([...SEGMENT_EVENT_COLUMNS.map((c) => c.name), 'dt']);
  });
});

describe('the default rules', () => {
  it('are valid rules of known columns', () => {
    for (const [table, rules] of Object.entries(DEFAULT_QUALITY_RULES)) {
      for (const [name, rule] of Object.entries(rules ?? {})) {
        expect(ruleProblems(table as QualityTableName, name, qualityRule.parse(rule)), `${table}.${name}`).toEqual([]);
      }
    }
  });

  it('apply when the config says nothing, with a 24-hour schedule', () => {
    const q = quality(undefined);
    expect(q.everyHours).toBe(24);
    const names = effectiveQualityRules(q).map((r) => `${r.table}.${r.name}`);
    expect(names).toEqual(expect.arrayContaining(['raw_events.messageIdComplete', 'raw_events.messageIdUnique', 'raw_events.typeKnown', 'raw_events.fresh', 'profiles.emailFormat', 'profiles.profileIdUnique', 'quarantine.rateBound']));
  });

  it('are replaced by name, disabled with enabled: false, or dropped with useDefaults: false', () => {
    const q = quality({
      rules: {
        raw_events: { fresh: { kind: 'freshness', column: 'receivedat', maxAgeHours: 2 }, typeKnown: { kind: 'allowedValues', column: 'type', values: ['track'], enabled: false } },
        identities: { typeKnown: { kind: 'allowedValues', column: 'identifier_type', values: ['email', 'userId'] } },
      },
    });
    const rules = effectiveQualityRules(q);
    expect(rules.find((r) => r.table === 'raw_events' && r.name === 'fresh')?.rule).toMatchObject({ maxAgeHours: 2, severity: 'error' });
    expect(rules.some((r) => r.table === 'raw_events' && r.name === 'typeKnown')).toBe(false);
    expect(rules.some((r) => r.table === 'identities' && r.name === 'typeKnown')).toBe(true);
    expect(effectiveQualityRules(quality({ useDefaults: false, rules: { profiles: { one: { kind: 'rowCount', min: 1 } } } })).map((r) => r.name)).toEqual(['one']);
  });
});

describe('config errors name the path', () => {
  it('an unknown table', () => {
    expect(problemsOf({ rules: { orders: { x: { kind: 'rowCount', min: 1 } } } })).toMatch(/governance\.quality\.rules\.orders: unknown table "orders"; the tables are raw_events, quarantine/);
  });

  it('a column the table does not have, but not a computed-trait column of profiles', () => {
    expect(problemsOf({ rules: { raw_events: { x: { kind: 'completeness', column: 'message_id' } } } })).toMatch(
      /governance\.quality\.rules\.raw_events\.x\.column: raw_events has no column "message_id"; its columns are type, messageid/,
    );
    expect(problemsOf({ rules: { profiles: { x: { kind: 'completeness', column: 'computed_lifetime_value' } } } })).toBe('');
  });

  it('a text check on a column that is not text, and freshness on a number', () => {
    expect(problemsOf({ rules: { profiles: { x: { kind: 'format', column: 'event_count', format: 'uuid' } } } })).toMatch(/rules\.profiles\.x\.column: format checks text; profiles\.event_count is bigint/);
    expect(problemsOf({ rules: { profiles: { x: { kind: 'freshness', column: 'event_count', maxAgeHours: 1 } } } })).toMatch(/rules\.profiles\.x\.column: freshness reads a timestamp/);
  });

  it('a format rule with neither or both of format and pattern, and an unanchored or non-portable pattern', () => {
    expect(problemsOf({ rules: { raw_events: { x: { kind: 'format', column: 'type' } } } })).toMatch(/rules\.raw_events\.x: give a format or a pattern/);
    expect(problemsOf({ rules: { raw_events: { x: { kind: 'format', column: 'type', format: 'uuid', pattern: '^a$' } } } })).toMatch(/give a format or a pattern/);
    expect(problemsOf({ rules: { raw_events: { x: { kind: 'format', column: 'type', pattern: '[a-z]+' } } } })).toMatch(/rules\.raw_events\.x\.pattern: anchor the pattern/);
    expect(problemsOf({ rules: { raw_events: { x: { kind: 'format', column: 'type', pattern: '^(?!x)[a-z]+$' } } } })).toMatch(/lookaround is not portable/);
    expect(problemsOf({ rules: { raw_events: { x: { kind: 'format', column: 'type', pattern: '^\\d+$' } } } })).toMatch(/rules\.raw_events\.x\.pattern: a pattern may not contain a double quote or a backslash/);
  });

  it('customSql without a table reference, naming an unknown table, or with a double quote or two statements', () => {
    const sql = (text: string) => problemsOf({ rules: { quarantine: { x: { kind: 'customSql', sql: text, op: '=', value: 0 } } } });
    expect(sql('SELECT count(*) FROM quarantine')).toMatch(/rules\.quarantine\.x\.sql: name the tables it reads as \{table\}, e\.g\. \{quarantine\}/);
    expect(sql('SELECT count(*) FROM {orders}')).toMatch(/rules\.quarantine\.x\.sql: unknown table \{orders\}/);
    expect(sql('SELECT count(*) AS "n" FROM {quarantine}')).toMatch(/customSql may not contain a double quote/);
    expect(sql('SELECT 1 FROM {quarantine}; SELECT 2')).toMatch(/one statement, no ;/);
    expect(sql('DELETE FROM {quarantine}')).toMatch(/one SELECT/);
  });

  it('rowCount without bounds or with max below min, a bad rule name, a ratio above 1, a schedule outside 1..168 hours', () => {
    expect(problemsOf({ rules: { profiles: { x: { kind: 'rowCount' } } } })).toMatch(/rules\.profiles\.x: give min, max or both/);
    expect(problemsOf({ rules: { profiles: { x: { kind: 'rowCount', min: 5, max: 2 } } } })).toMatch(/rules\.profiles\.x\.max: max \(2\) is below min \(5\)/);
    expect(problemsOf({ rules: { profiles: { 'Bad name': { kind: 'rowCount', min: 1 } } } })).toMatch(/rules\.profiles\.Bad name: rule names start with a lower-case letter/);
    expect(problemsOf({ rules: { profiles: { x: { kind: 'unique', column: 'profile_id', minRatio: 1.5 } } } })).toMatch(/rules\.profiles\.x\.minRatio/);
    expect(problemsOf({ everyHours: 0 })).toMatch(/governance\.quality\.everyHours/);
    expect(problemsOf({ rules: { profiles: { x: { kind: 'nope' } } } })).toMatch(/governance\.quality\.rules\.profiles\.x/);
  });
});
