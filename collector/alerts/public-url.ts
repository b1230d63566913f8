import { hostname } from 'node:os';
import { parseListen, type CollectorConfig } from '../config.js';

/**
 * The UI's base URL for links in notifications: `alerts.public_url`, else this collector's own address (its host
 * name when it listens on every interface). Behind a proxy only `public_url` gives people a link that works.
 */
export function alertsPublicUrl(config: CollectorConfig): string {
  if (config.alerts.public_url) return config.alerts.public_url;
  const { host, port } = parseListen(config.listen);
  const name = host === '0.0.0.0' || host === '::' || host === '[::]' ? hostname() : host;
  return `${config.tls ? 'https' : 'http'}://${name}:${port}/`;
}
