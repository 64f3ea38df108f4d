import { expect, it } from 'vitest';
import { BoundedMap } from '../src/util/bounded-map.js';

it('forgets the oldest entry once full, and keeps a replaced key where it was', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1).set('b', 2);
  map.set('a', 10);
  expect([...map]).toEqual([
    ['a', 10],
    ['b', 2],
  ]);
  map.set('c', 3);
  expect([...map]).toEqual([
    ['b', 2],
    ['c', 3],
  ]);
});
