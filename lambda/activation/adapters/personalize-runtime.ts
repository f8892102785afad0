/**
 * The PersonalizeRecommender on Amazon Personalize: GetRecommendations on
 * the user-personalization campaign (USER_ID = the c360 profile id, the
 * exclude-purchased filter, the request's context) and on the
 * similar-items campaign. Which model answers is the campaign's solution
 * version, read with DescribeCampaign and kept for a few minutes: a
 * campaign that does not exist yet (the training workflow creates it once
 * there is enough data) or is not ACTIVE has no model, and the caller
 * answers from the built-in recommender.
 */
import { DescribeCampaignCommand, type PersonalizeClient } from '@aws-sdk/client-personalize';
import { GetRecommendationsCommand, type PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import type { Recommendation } from '../contracts/recommendations';
import type { PersonalizeRecommender } from '../ports';

export interface PersonalizeRecommenderOptions {
  readonly runtime: PersonalizeRuntimeClient;
  readonly control: PersonalizeClient;
  /** The user-personalization campaign; none: `user` has no model. */
  readonly campaignArn?: string;
  /** The similar-items campaign; none: `similar` has no model. */
  readonly similarCampaignArn?: string;
  /** The filter leaving out what the user purchased. */
  readonly filterArn?: string;
  /** How long a campaign's state is believed. @default 5 minutes */
  readonly cacheMs?: number;
  readonly clock?: () => number;
}

export const CAMPAIGN_CACHE_MS = 5 * 60 * 1000;

export class PersonalizeRuntimeRecommender implements PersonalizeRecommender {
  private readonly cache = new Map<string, { model: string | undefined; until: number }>();

  constructor(private readonly options: PersonalizeRecommenderOptions) {}

  async activeModel(kind: 'user' | 'similar'): Promise<string | undefined> {
    const arn = kind === 'user' ? this.options.campaignArn : this.options.similarCampaignArn;
    if (arn === undefined) return undefined;
    const now = (this.options.clock ?? Date.now)();
    const cached = this.cache.get(arn);
    if (cached !== undefined && cached.until > now) return cached.model;
    let model: string | undefined;
    try {
      const out = await this.options.control.send(new DescribeCampaignCommand({ campaignArn: arn }));
      model = out.campaign?.status === 'ACTIVE' ? out.campaign.solutionVersionArn : undefined;
    } catch (err) {
      if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    }
    this.cache.set(arn, { model, until: now + (this.options.cacheMs ?? CAMPAIGN_CACHE_MS) });
    return model;
  }

  async recommend(profileId: string, n: number, context?: Readonly<Record<string, string>>): Promise<Recommendation[]> {
    const campaignArn = this.require(this.options.campaignArn, 'user-personalization');
    const out = await this.options.runtime.send(
      new GetRecommendationsCommand({
        campaignArn,
        userId: profileId,
        numResults: n,
        ...(context === undefined || Object.keys(context).length === 0 ? {} : { context: { ...context } }),
        ...(this.options.filterArn === undefined ? {} : { filterArn: this.options.filterArn }),
      }),
    );
    return toRecommendations(out.itemList);
  }

  async similar(itemId: string, n: number): Promise<Recommendation[]> {
    const campaignArn = this.require(this.options.similarCampaignArn, 'similar-items');
    const out = await this.options.runtime.send(new GetRecommendationsCommand({ campaignArn, itemId, numResults: n }));
    return toRecommendations(out.itemList);
  }

  private require(arn: string | undefined, what: string): string {
    if (arn === undefined) throw new Error(`no ${what} campaign is configured`);
    return arn;
  }
}

function toRecommendations(list: ReadonlyArray<{ itemId?: string | undefined; score?: number | undefined }> | undefined): Recommendation[] {
  return (list ?? []).flatMap((r) => (r.itemId === undefined ? [] : [{ itemId: r.itemId, score: r.score ?? 0 }]));
}
