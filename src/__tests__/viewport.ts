/**
 * jsdom lays nothing out: tests of the queue's virtual grid give its scroll viewport a size, so
 * it has a window of rows to render. Returns the size, which a test may change (e.g. narrow it
 * to the sidebar's width) while it runs.
 */
export function sizeQueueViewport(): { width: number; height: number } {
  const viewport = { width: 800, height: 400 };
  const sized = (dim: 'width' | 'height') =>
    function (this: HTMLElement) {
      return this.classList?.contains('jp-HpcQueue-scroll') ? viewport[dim] : 0;
    };
  beforeAll(() => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get: sized('height')
    });
    Object.defineProperty(HTMLElement.prototype, 'clientWidth', {
      configurable: true,
      get: sized('width')
    });
  });
  afterAll(() => {
    delete (HTMLElement.prototype as any).clientHeight;
    delete (HTMLElement.prototype as any).clientWidth;
  });
  return viewport;
}
