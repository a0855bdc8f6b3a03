export default async function globalTeardown(): Promise<void> {
  globalThis.hubTestPostgres?.stop();
}
