import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RecorderProcess } from '../../server/recording/recorder-process.ts';
import { recorderPath } from '../helpers/build-recorder.ts';

const VIDEO_SSRC = 0x1234abcd;
const VIDEO_PT = 101;

/** The frames of a VP8 clip (IVF: 32-byte header, then 12-byte frame headers), and which are key frames. */
function vp8Frames(seconds: number, keyEvery: number): Array<{ data: Buffer; key: boolean }> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-recorder-clip-')), 'clip.ivf');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=30:duration=${seconds}`, '-c:v', 'libvpx', '-g', String(keyEvery), '-keyint_min', String(keyEvery), '-f', 'ivf', file]);
  const ivf = readFileSync(file);
  const frames: Array<{ data: Buffer; key: boolean }> = [];
  for (let at = ivf.readUInt16LE(6); at + 12 <= ivf.length; ) {
    const size = ivf.readUInt32LE(at);
    const data = ivf.subarray(at + 12, at + 12 + size);
    frames.push({ data, key: (data[0]! & 1) === 0 });
    at += 12 + size;
  }
  return frames;
}

/** RTP packets of one VP8 frame (RFC 7741 descriptor: S on the first, marker on the last). */
function vp8Packets(frame: Buffer, seq: number, timestamp: number): Buffer[] {
  const packets: Buffer[] = [];
  for (let off = 0, i = 0; off < frame.length; off += 1000, i++) {
    const chunk = frame.subarray(off, off + 1000);
    const header = Buffer.alloc(13);
    header[0] = 0x80;
    header[1] = VIDEO_PT | (off + 1000 >= frame.length ? 0x80 : 0);
    header.writeUInt16BE((seq + i) & 0xffff, 2);
    header.writeUInt32BE(timestamp >>> 0, 4);
    header.writeUInt32BE(VIDEO_SSRC, 8);
    header[12] = off === 0 ? 0x10 : 0x00;
    packets.push(Buffer.concat([header, chunk]));
  }
  return packets;
}

function probe(file: string): { streams: Array<{ codec_name: string; width?: number; height?: number }>; format: { duration?: string } } {
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height:format=duration', '-of', 'json', file], { encoding: 'utf8' }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kv-recorder (the process writing each recording file)', { timeout: 30_000 }, () => {
  let frames: Array<{ data: Buffer; key: boolean }>;
  const cleanup: Array<() => unknown> = [];
  beforeAll(() => {
    frames = vp8Frames(4, 60);
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  async function start() {
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((r) => sender.bind(0, '127.0.0.1', r));
    cleanup.push(() => sender.close());
    const pli: Buffer[] = [];
    sender.on('message', (m) => pli.push(m));
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-recorder-')), 'party-001.webm');
    const recorder = await RecorderProcess.start({
      recorderPath,
      file,
      tracks: [{ kind: 'video', senderPort: sender.address().port, rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90000 }], encodings: [{ ssrc: VIDEO_SSRC }] } }],
    });
    cleanup.push(() => recorder.stop());
    let seq = 1000;
    /** Frames from..to-1 at 30 per second, with consecutive sequence numbers; `drop` loses a frame's first packet. */
    const sendFrames = async (from: number, to: number, drop?: (frame: number) => boolean) => {
      for (let i = from; i < to; i++) {
        const packets = vp8Packets(frames[i]!.data, seq, i * 3000);
        seq += packets.length;
        for (const [n, packet] of packets.entries()) {
          if (n === 0 && drop?.(i)) continue;
          await new Promise<void>((r) => sender.send(packet, recorder.ports[0]!, '127.0.0.1', () => r()));
        }
        await sleep(33);
      }
    };
    return { recorder, file, pli, sendFrames };
  }

  it('asks its sender for a key frame (RTCP PLI with the media SSRC) until one comes, then writes a WebM that starts on it', async () => {
    const { recorder, file, pli, sendFrames } = await start();
    // Joined mid-stream: frames after the first key frame, none of them a key frame.
    await sendFrames(1, 45);
    expect(pli.length).toBeGreaterThanOrEqual(2);
    for (const p of pli) {
      expect(p.length).toBe(12);
      expect([p[0], p[1]]).toEqual([0x81, 206]); // PSFB, FMT 1 (PLI)
      expect(p.readUInt32BE(8)).toBe(VIDEO_SSRC);
    }
    await sendFrames(60, 90); // the key frame at 60, then its delta frames
    expect(await recorder.stop()).toBe(true);
    const info = probe(file);
    expect(info.streams).toEqual([{ codec_name: 'vp8', width: 320, height: 240 }]);
    expect(Number(info.format.duration)).toBeGreaterThan(0.8);
    expect(Number(info.format.duration)).toBeLessThan(1.3); // the frames before the key frame are not in it
    execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
  });

  it('after a lost packet drops frames until the next key frame, asking for one, so the file decodes without errors', async () => {
    const { recorder, file, pli, sendFrames } = await start();
    await sendFrames(0, 20);
    const asked = pli.length;
    await sendFrames(20, 59, (frame) => frame === 25);
    expect(pli.length).toBeGreaterThan(asked);
    await sendFrames(59, 70);
    expect(await recorder.stop()).toBe(true);
    execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-f', 'null', '-']);
    const packets = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim().split('\n');
    expect(packets.length).toBe(25 + 10); // frames 0–24, then from the key frame at 60 (59, a delta frame, waits with the others)
  });

  it('takes media only from its sender: another local socket adds nothing (no media: it stops cleanly and leaves no file)', async () => {
    const { recorder, file } = await start();
    const intruder = dgram.createSocket('udp4');
    await new Promise<void>((r) => intruder.bind(0, '127.0.0.1', r));
    cleanup.push(() => intruder.close());
    let seq = 1;
    for (let i = 0; i < 30; i++) {
      for (const packet of vp8Packets(frames[i]!.data, seq, i * 3000)) {
        seq++;
        await new Promise<void>((r) => intruder.send(packet, recorder.ports[0]!, '127.0.0.1', () => r()));
      }
      await sleep(10);
    }
    await sleep(600);
    expect(await recorder.stop()).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a codec WebM cannot hold', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kv-recorder-')), 'party-001.webm');
    await expect(
      RecorderProcess.start({
        recorderPath,
        file,
        tracks: [{ kind: 'video', senderPort: 9, rtpParameters: { codecs: [{ mimeType: 'video/H264', payloadType: 102, clockRate: 90000 }], encodings: [{ ssrc: 1 }] } }],
      }),
    ).rejects.toThrow(/unsupported track/);
  });
});
