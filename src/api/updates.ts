import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { API_ROOT } from './client';
import { UpdateMessage } from './types';

/** What the model needs of the updates socket; tests provide fakes. */
export interface IUpdatesSocket {
  requestRefresh(): void;
  close(): void;
}

export interface IUpdatesHandlers {
  onMessage(message: UpdateMessage): void;
  /** The socket closed (or never opened); the model falls back to REST and may reconnect. */
  onClose(): void;
}

export interface IUpdatesSocketOptions {
  /**
   * The snapshot version the client holds already (from the REST views): while it is current,
   * the server starts with an empty delta from it instead of sending the snapshot again.
   */
  since?: number;
}

export type UpdatesSocketFactory = (
  handlers: IUpdatesHandlers,
  options?: IUpdatesSocketOptions
) => IUpdatesSocket;

/**
 * Open the server's updates websocket: full snapshot first (or, with `since`, an empty delta
 * when the client's copy is current), then one delta per poll. Job lists
 * come as columns (decoded by the model); the browser negotiates permessage-deflate itself.
 */
export const openUpdatesSocket: UpdatesSocketFactory = (
  handlers,
  options = {}
) => {
  const settings = ServerConnection.makeSettings();
  let url =
    URLExt.join(settings.wsUrl, API_ROOT, 'updates') + '?format=columns';
  if (options.since !== undefined && options.since >= 0) {
    url += `&since=${options.since}`;
  }
  if (settings.token) {
    url += `&token=${encodeURIComponent(settings.token)}`;
  }
  const socket = new settings.WebSocket(url);
  let closed = false;
  socket.onmessage = event => {
    try {
      handlers.onMessage(JSON.parse(event.data) as UpdateMessage);
    } catch (error) {
      console.warn('hpc-lab-ext: ignoring a malformed update', error);
    }
  };
  socket.onclose = () => {
    if (!closed) {
      closed = true;
      handlers.onClose();
    }
  };
  return {
    requestRefresh: () => {
      if (socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: 'refresh' }));
      }
    },
    close: () => {
      closed = true;
      socket.close();
    }
  };
};
