import * as React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

import { IStatus } from '../api';
import { StatusBanner } from '../components/StatusBanner';

const trans = (text: string) => text;

function status(extra: Partial<IStatus>): IStatus {
  return {
    backend: 'local',
    backend_version: 'local',
    reachable: true,
    user: 'alice',
    error: null,
    live_queue: false,
    unreachable_since: null,
    updated_at: 1,
    ...extra
  };
}

function banner(s: IStatus): string {
  return renderToStaticMarkup(
    <StatusBanner
      status={s}
      error={null}
      stale={false}
      schedulerError={null}
      unreachableSince={null}
      trans={trans}
    />
  );
}

describe('the status banner', () => {
  it('names a scheduler that was found but has no live queue yet', () => {
    const html = banner(status({ unsupported_scheduler: 'PBS' }));
    expect(html).toContain('PBS was found on this server');
    expect(html).toContain('cannot be shown yet');
  });

  it('says when there is no scheduler at all', () => {
    expect(banner(status({}))).toContain('No batch scheduler found');
  });

  it('says nothing when the queue is live', () => {
    expect(banner(status({ backend: 'sge', live_queue: true }))).toBe('');
  });
});
