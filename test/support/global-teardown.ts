/** Placeholder: replaced by the Elasticsearch harness. */
export default async function globalTeardown(): Promise<void> {}
