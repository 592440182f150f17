// A channel that cannot work until someone changes the sentinel's server (S13, B4): serialport
// missing beside the agent. Trying it again each tick would only repeat the same failure in the
// log, so the watch gives it up at once for that alarm; the next alarm (and every test) tries again.
export class ChannelNotUsable extends Error {
  override readonly name = 'ChannelNotUsable';
}
