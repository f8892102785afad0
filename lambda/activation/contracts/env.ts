/**
 * Environment variables of the activation functions: the stack sets them
 * (lib/), the Lambda entries (functions/) read them. Named once here.
 */
export const ACTIVATION_ENV = {
  /** The activation table: message ledger, deferred sends, interactions, items, contact suppressions. */
  table: 'ACTIVATION_TABLE',
  /** The customer-view table (the unification pillar's), read-only. */
  profileTable: 'PROFILE_TABLE',
  /** The models bucket: propensity models, the built-in recommender's model, Personalize imports and deletion lists. */
  modelsBucket: 'MODELS_BUCKET',
  /** The audience exports bucket. */
  exportsBucket: 'EXPORTS_BUCKET',
  /** The landing bucket (item catalog files under `landing/items/`). */
  landingBucket: 'LANDING_BUCKET',
  /** The curated bucket (profile exports the propensity job reads). */
  curatedBucket: 'CURATED_BUCKET',
  /** The event stream feedback and score events are put on. */
  eventStream: 'EVENT_STREAM_NAME',
  /** Personalize: the dataset group, the event tracker's tracking id, the item dataset, the campaigns (absent: not deployed). */
  personalizeDatasetGroupArn: 'PERSONALIZE_DATASET_GROUP_ARN',
  personalizeTrackingId: 'PERSONALIZE_TRACKING_ID',
  personalizeItemsDatasetArn: 'PERSONALIZE_ITEMS_DATASET_ARN',
  personalizeUsersDatasetArn: 'PERSONALIZE_USERS_DATASET_ARN',
  personalizeCampaignArn: 'PERSONALIZE_CAMPAIGN_ARN',
  personalizeSimilarCampaignArn: 'PERSONALIZE_SIMILAR_CAMPAIGN_ARN',
  personalizeExcludePurchasedFilterArn: 'PERSONALIZE_FILTER_ARN',
  /** SES v2 configuration set of every email. */
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  /** End User Messaging SMS configuration set and opt-out list. */
  smsConfigurationSet: 'SMS_CONFIGURATION_SET',
  smsOptOutList: 'SMS_OPT_OUT_LIST',
  /** Base URL of the public unsubscribe endpoint (`<url>/unsubscribe?token=…`). */
  unsubscribeUrl: 'UNSUBSCRIBE_URL',
  /** Secrets Manager secret holding the key that signs unsubscribe links. */
  unsubscribeKeySecret: 'UNSUBSCRIBE_KEY_SECRET_ARN',
  /** Athena workgroup and Glue database of the training queries. */
  athenaWorkgroup: 'ATHENA_WORKGROUP',
  glueDatabase: 'GLUE_DATABASE',
  /** Which campaign function this is, for the shared entry of the campaign functions. */
  campaignTrigger: 'CAMPAIGN_TRIGGER',
} as const;
