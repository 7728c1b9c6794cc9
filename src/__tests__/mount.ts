/**
 * A fresh container in the document and a React root on it for each test of the enclosing
 * describe (or file), unmounted and removed after it; React's act() environment declared.
 */
import * as React from 'react';
import { Root, createRoot } from 'react-dom/client';

export interface IMounted {
  readonly container: HTMLDivElement;
  readonly root: Root;
}

export function mountEach(): IMounted {
  let container: HTMLDivElement | null = null;
  let root: Root | null = null;
  beforeAll(() => {
    (globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
  });
  beforeEach(() => {
    container = document.createElement('div');
    document.body.appendChild(container);
    root = createRoot(container);
  });
  afterEach(() => {
    React.act(() => root!.unmount());
    container!.remove();
  });
  return {
    get container() {
      return container!;
    },
    get root() {
      return root!;
    }
  };
}
