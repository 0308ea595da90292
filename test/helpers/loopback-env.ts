import path from 'node:path';

// Each vitest worker process starts from its own base so parallel files rarely share ports.
let nextRtcBase = 43000 + (process.pid % 40) * 200;

/** Environment for a test server: loopback only, any free HTTP port, its own RTC port range. */
export function loopbackServerEnv(dataDir: string): Record<string, string> {
  const rtcMin = nextRtcBase;
  nextRtcBase = rtcMin + 200 > 60000 ? 43000 : rtcMin + 200;
  return {
    HTTP_HOST: '127.0.0.1',
    PORT: '0',
    MEDIASOUP_LISTEN_IP: '127.0.0.1',
    MEDIASOUP_WORKERS: '1',
    // The worker's one WebRTC port (single mode, the default) is any free port of the range below.
    RTC_PORT: '0',
    RTC_MIN_PORT: String(rtcMin),
    RTC_MAX_PORT: String(rtcMin + 199),
    DATA_DIR: dataDir,
    RECORDINGS_DIR: path.join(dataDir, 'recordings'),
    // The test machine is shared and often overloaded: a recorder can take over 2 s to start, and
    // fail-closed would end calls that tests about other things need. The 2 s default itself is
    // proven in test/recording/track-recording.test.ts, which sets it back.
    RECORDING_START_LIMIT_MS: '15000',
  };
}
