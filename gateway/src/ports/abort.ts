/** Options every long port call accepts (helia's AbortOptions idea). */
export interface AbortOptions {
  signal?: AbortSignal;
}
