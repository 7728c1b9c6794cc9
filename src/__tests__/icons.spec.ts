/// <reference types="node" />
import * as fs from 'fs';
import * as path from 'path';

/** The sidebar icon, read as the browser gets it (jest maps svg imports to a stub). */
function icon(): Document {
  const svg = fs.readFileSync(
    path.join(__dirname, '..', '..', 'style', 'icons', 'hpc.svg'),
    'utf-8'
  );
  return new DOMParser().parseFromString(svg, 'image/svg+xml');
}

describe('the sidebar icon', () => {
  it('draws a cluster of nodes and a queue, not a generic stack of bars', () => {
    const doc = icon();
    const nodes = doc.querySelectorAll('[data-part="nodes"] rect');
    const queue = doc.querySelectorAll('[data-part="queue"] > *');
    expect(nodes.length).toBeGreaterThanOrEqual(4);
    expect(queue.length).toBeGreaterThanOrEqual(3);
    // the glyph it replaces: full-width bars, one above the other
    const fullWidth = Array.from(doc.querySelectorAll('rect')).filter(
      r => Number(r.getAttribute('width')) >= 18
    );
    expect(fullWidth).toHaveLength(0);
  });

  it('takes its colour from the theme', () => {
    for (const group of Array.from(icon().querySelectorAll('g'))) {
      expect(group.getAttribute('class')).toBe('jp-icon3');
    }
  });
});
