/**
 * Every bounded context that wires itself: the configuration schema is the union of their environment
 * sections and the composition root starts each one. Adding a context adds its folder and one line here.
 */
import { platform } from './platform/config.ts';
import { naver } from './naver/wire.ts';
import { coupang } from './coupang/wire.ts';
import { billing } from './billing/wire.ts';
import { inventory } from './inventory/wire.ts';
import { alibaba } from './alibaba/wire.ts';

export const contexts = [platform, naver, coupang, billing, inventory, alibaba] as const;
