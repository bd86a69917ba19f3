import { beforeEach, expect } from 'vitest';

// Every test must make at least one assertion: a test that returns early or awaits nothing passes for no reason.
beforeEach(() => {
  expect.hasAssertions();
});
