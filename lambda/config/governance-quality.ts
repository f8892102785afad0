/** Data-quality rules per table (governance.quality). */
import * as z from 'zod/mini';
import { section } from './builders';

export const qualitySection = section({});
