/**
 * The erasers of the local runtime, one per store of ERASURE_STORES: the
 * profile and activation tables (dynalite, through the same SDK erasers as
 * deployed) and the folders of `.c360/` that stand in for the deployed
 * buckets (the outbox with the activation table). Stores the local runtime
 * does not have report `not-deployed`.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ProfileStore } from '../../unification/ports';
import type { StoreEraser } from '../ports';
import { eraserRegistry, notDeployed } from '../usecases/eraser-registry';
import { ActivationTableEraser, combinedEraser, localAudienceExportsEraser, localOutboxEraser } from './activation-erasers';
import { DynamoProfileEraser } from './dynamodb-profile-eraser';
import { LocalFileEraser } from './local-file-eraser';
import { importOutputs, localImportsDir } from './local-imports';

export interface LocalEraserPaths {
  readonly dataDir: string;
  /** The local lake (raw/, quarantine/). */
  readonly lakeDir: string;
  /** The consumers' on-failure files. */
  readonly onFailureDir: string;
  readonly curatedDir: string;
  /** The folder of the local bus file (segment events). */
  readonly busDir: string;
  /** The activation outbox (`.c360/outbox/`): one JSON line per message. */
  readonly outboxDir: string;
  /** The audience exports folder (`.c360/exports/`, CSVs under `audiences/`). */
  readonly exportsDir: string;
}

export interface LocalErasersDeps {
  readonly doc: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly segments: readonly string[];
  /** The profile store other people's profiles are rewritten through (see DynamoProfileEraser). */
  readonly others?: Pick<ProfileStore, 'readJournal' | 'putJournal' | 'deleteJournal' | 'putProfiles'>;
  /** The activation table (in the same dynalite). */
  readonly activationTableName: string;
  /** The identifier type of device tokens (activation.messaging.push.tokenIdentifier). */
  readonly pushTokenIdentifier: string;
  /** normalization.defaultPhoneRegion: phones and their hashes as the activation pillar wrote them. */
  readonly defaultPhoneRegion: string;
  readonly clock?: () => number;
}

export function localErasers(paths: LocalEraserPaths, deps: LocalErasersDeps): StoreEraser[] {
  const clock = deps.clock ?? Date.now;
  const files = (store: ConstructorParameters<typeof LocalFileEraser>[0], opts: ConstructorParameters<typeof LocalFileEraser>[1]) =>
    new LocalFileEraser(store, { ...opts, clock });
  return eraserRegistry([
    new DynamoProfileEraser(deps.doc, deps.tableName, { segments: deps.segments, ...(deps.others === undefined ? {} : { others: deps.others }), clock }),
    files('raw-lake', { dirs: [`${paths.lakeDir}/raw`] }),
    files('quarantine', { dirs: [`${paths.lakeDir}/quarantine`, paths.onFailureDir] }),
    files('landing', { dirs: [localImportsDir(paths.dataDir)], moreFiles: () => importOutputs(paths.dataDir) }),
    notDeployed('matching', 'the local matcher reads the profile table directly and keeps no snapshot', clock),
    files('curated', { dirs: [paths.curatedDir] }),
    notDeployed('query-results', 'local queries run in-process (DuckDB in memory) and keep no results', clock),
    notDeployed('redshift', 'no Redshift locally: the local warehouse reads the lake and curated files', clock),
    files('segment-events', { dirs: [paths.busDir] }),
    combinedEraser(
      'activation',
      [
        new ActivationTableEraser(deps.doc, deps.activationTableName, { pushTokenIdentifier: deps.pushTokenIdentifier, defaultPhoneRegion: deps.defaultPhoneRegion, clock }),
        localOutboxEraser(paths.outboxDir, clock),
      ],
      clock,
    ),
    localAudienceExportsEraser(paths.exportsDir, deps.defaultPhoneRegion, clock),
    notDeployed('personalize', 'Amazon Personalize runs only deployed; the built-in recommender reads the activation table', clock),
  ]);
}
