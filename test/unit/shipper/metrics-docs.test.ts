import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShipperMetrics } from '../../../shipper/metrics.js';

describe('shipper metrics', () => {
  it('are listed whole in docs/metrics.md: every metric the shipper exposes has a row there', async () => {
    const metrics = new ShipperMetrics(
      () => [{ path: '/var/log/app.log', lagBytes: 10, deleted: false }],
      () => 1,
    );
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBe(15);
    const docs = readFileSync(join(import.meta.dirname, '../../../docs/metrics.md'), 'utf8');
    expect(names.filter((name) => !docs.includes(`\`${name}\``) && !docs.includes(`\`${name}{`))).toEqual([]);
  });
});
