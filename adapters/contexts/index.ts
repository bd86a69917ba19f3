/**
 * Every bounded context that wires itself: the composition root starts each one. Adding a context adds its
 * folder, one line here and one in sections.ts (its environment section, in the same place).
 */
import { platform } from './platform/config.ts';
import { naver } from './naver/wire.ts';
import { coupang } from './coupang/wire.ts';
import { billing } from './billing/wire.ts';
import { inventory } from './inventory/wire.ts';
import { alibaba } from './alibaba/wire.ts';
import type { sections } from './sections.ts';

export const contexts = [platform, naver, coupang, billing, inventory, alibaba] as const;

/** The configuration (sections.ts) lists the same contexts in the same order, each with the section it is wired from. */
type Sections<T extends readonly { name: string; config: unknown }[]> = { readonly [I in keyof T]: { readonly name: T[I]['name']; readonly config: T[I]['config'] } };
({}) as typeof sections satisfies Sections<typeof contexts>;
