// snappyjs ships no types; the two functions used (block format, as remote write 1.0 wants)
declare module 'snappyjs' {
  const snappy: {
    compress(input: Uint8Array): Uint8Array;
    uncompress(input: Uint8Array): Uint8Array;
  };
  export default snappy;
}
