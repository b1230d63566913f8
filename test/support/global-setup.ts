/** Placeholder: replaced by the Elasticsearch harness. */
export default async function globalSetup(): Promise<void> {}
