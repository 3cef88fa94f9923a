/** The accountant's one PrivacyArithmetic (its RDP and PLD caches are shared by every service). */
import type { FactoryProvider } from '@nestjs/common';
import { DP_ACCOUNTANT_OPTIONS, type DpAccountantOptions } from '../dp-accountant.options';
import { PrivacyArithmetic } from './privacy-arithmetic';

export const PRIVACY_ARITHMETIC = Symbol.for('cohort.PrivacyArithmetic');

export const privacyArithmeticProvider: FactoryProvider<PrivacyArithmetic> = {
  provide: PRIVACY_ARITHMETIC,
  inject: [DP_ACCOUNTANT_OPTIONS],
  useFactory: (options: DpAccountantOptions) => new PrivacyArithmetic(options.delta),
};
