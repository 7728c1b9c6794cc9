import { rowWindow, scrollOffsetFor } from '../components/rowWindow';

const options = {
  count: 100_000,
  rowHeight: 24,
  headerHeight: 30,
  overscan: 5
};

describe('the window of rows in view', () => {
  it('at the top: the first rows, with the overscan below only', () => {
    // 400 px under a 30 px header: rows 0..15 (the 16th cut) plus 5
    expect(rowWindow(0, 400, options)).toEqual({ first: 0, last: 20 });
  });

  it('anywhere: the rows under the viewport, overscan on both sides', () => {
    const top = 30 + 50_000 * 24; // row 50,000 at the top edge
    expect(rowWindow(top, 240, options)).toEqual({
      first: 49_995,
      last: 50_014
    });
  });

  it('at the end: never past the last row', () => {
    const top = 30 + 100_000 * 24 - 400;
    expect(rowWindow(top, 400, options).last).toBe(99_999);
  });

  it('nothing to show: no rows, no viewport', () => {
    expect(rowWindow(0, 400, { ...options, count: 0 })).toEqual({
      first: 0,
      last: -1
    });
    expect(rowWindow(0, 0, options).last).toBeLessThan(0);
  });
});

describe('scrolling a row into view', () => {
  it('scrolls down just enough for a row below the viewport', () => {
    // row 20 ends at 30 + 21 * 24 = 534: the viewport's bottom moves there
    expect(scrollOffsetFor(20, 0, 400, 24, 30)).toBe(534 - 400);
  });

  it('scrolls up so a row above is just below the sticky header', () => {
    expect(scrollOffsetFor(10, 2000, 400, 24, 30)).toBe(10 * 24);
  });

  it('leaves a row already whole in view where it is', () => {
    expect(scrollOffsetFor(3, 0, 400, 24, 30)).toBeNull();
  });
});
