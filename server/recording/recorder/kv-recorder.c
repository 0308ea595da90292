/*
 * kv-recorder: writes one party's RTP tracks (VP8, Opus) into one WebM file, stream copy.
 *
 *   kv-recorder --out FILE --track audio:opus:PT:48000:2:SSRC:PORT [--track video:vp8:PT:90000:0:SSRC:PORT]
 *
 * SSRC and PORT: the sender's (mediasoup's consumer's) SSRC and port on 127.0.0.1, where key-frame
 * requests go.
 * Binds one UDP socket per track on 127.0.0.1 (a port of the kernel's choosing, RTP and RTCP
 * multiplexed), prints "ports P1 P2 ..." on stdout in track order, then records until SIGINT or
 * SIGTERM, when it writes the file's index and exits 0. Errors go to stderr, with exit code 1.
 *
 * Why not ffmpeg's RTP input: it wakes for every packet (~100 per second per party) and cost
 * 0.3-0.8 % of a core per party. This wakes on a timer and drains each socket with recvmmsg, so
 * its cost is mostly copying. The file is written by libavformat's WebM muxer, as ffmpeg does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/mathematics.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRACKS 4
#define TICK_MS 50
/* Frames are written once this old, so the tracks' frames go into the file in time order. */
#define REORDER_MS 400
/* A video track with no key frame this long after the first packet: the file starts without it. */
#define HEADER_WAIT_MS 3000
#define PLI_INTERVAL_MS 500
#define VLEN 64
#define PKT_MAX 1600
#define FRAME_MAX (4 << 20)
#define MAX_PENDING 4096

enum codec { OPUS, VP8 };

struct frame {
  uint8_t *data;
  int size;
  int64_t ms; /* media time, ms since start */
  int key;
};

struct track {
  enum codec codec;
  int payload_type, clock_rate, channels;
  int sock;
  uint16_t port;
  struct sockaddr_in peer; /* mediasoup's side: RTCP feedback goes there */
  uint32_t ssrc;
  /* RTP timeline */
  int started;
  uint16_t last_seq;
  uint32_t last_ts;
  int64_t ts_ext, ts0;
  int64_t anchor_ms, first_ms;
  /* VP8 frame assembly */
  uint8_t *asm_buf;
  int asm_len, in_frame, frame_bad, need_key;
  uint32_t asm_ts;
  int64_t last_pli_ms;
  int width, height;
  /* frames waiting to be written, in time order */
  struct frame *pending;
  int npending;
  int stream_index;
  int64_t last_written_ms;
};

static struct track tracks[MAX_TRACKS];
static int ntracks;
static const char *out_path;
static AVFormatContext *oc;
static int header_written;
static int64_t base_ms = -1;
static struct timespec t_start;

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)(t.tv_sec - t_start.tv_sec) * 1000 + (t.tv_nsec - t_start.tv_nsec) / 1000000;
}

static int64_t realtime_ns(const struct timespec *t) {
  return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "kv-recorder: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static void parse_track(const char *spec) {
  if (ntracks == MAX_TRACKS) die("too many tracks", spec);
  struct track *t = &tracks[ntracks];
  char kind[8], codec[8];
  int channels = 0, peer_port = 0;
  int n = sscanf(spec, "%7[a-z]:%7[a-z0-9]:%d:%d:%d:%u:%d", kind, codec, &t->payload_type, &t->clock_rate, &channels, &t->ssrc, &peer_port);
  if (n != 7 || t->payload_type < 0 || t->payload_type > 127 || t->clock_rate <= 0 || peer_port <= 0 || peer_port > 65535) die("bad --track", spec);
  t->peer = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(peer_port) };
  t->peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!strcmp(kind, "audio") && !strcmp(codec, "opus")) {
    t->codec = OPUS;
    t->channels = channels > 0 ? channels : 2;
  } else if (!strcmp(kind, "video") && !strcmp(codec, "vp8")) {
    t->codec = VP8;
    t->need_key = 1; /* a file starts with a key frame */
    t->asm_buf = malloc(FRAME_MAX);
    if (!t->asm_buf) die("out of memory", NULL);
  } else {
    die("unsupported track (only audio:opus and video:vp8 go into WebM)", spec);
  }
  t->pending = calloc(MAX_PENDING, sizeof(struct frame));
  if (!t->pending) die("out of memory", NULL);
  t->stream_index = -1;
  t->last_written_ms = -1;
  ntracks++;
}

static void open_socket(struct track *t) {
  t->sock = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (t->sock < 0) die("socket", strerror(errno));
  int rcvbuf = 1 << 20, on = 1;
  setsockopt(t->sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  /* The kernel's arrival time: a packet read up to a tick late still gets its own time, so the
     tracks line up to the millisecond, not to the tick. */
  setsockopt(t->sock, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(t->sock, (struct sockaddr *)&a, sizeof a) < 0) die("bind", strerror(errno));
  socklen_t len = sizeof a;
  if (getsockname(t->sock, (struct sockaddr *)&a, &len) < 0) die("getsockname", strerror(errno));
  t->port = ntohs(a.sin_port);
}

/* Asks mediasoup for a key frame (RTCP PLI), at most every PLI_INTERVAL_MS. */
static void request_key_frame(struct track *t) {
  int64_t now = now_ms();
  if (t->last_pli_ms && now - t->last_pli_ms < PLI_INTERVAL_MS) return;
  t->last_pli_ms = now;
  uint8_t pli[12] = { 0x81, 206, 0, 2, 0, 0, 0, 1 };
  pli[8] = t->ssrc >> 24, pli[9] = t->ssrc >> 16, pli[10] = t->ssrc >> 8, pli[11] = t->ssrc;
  sendto(t->sock, pli, sizeof pli, 0, (struct sockaddr *)&t->peer, sizeof t->peer);
}

static void queue_frame(struct track *t, const uint8_t *data, int size, int64_t ms, int key) {
  if (size <= 0) return;
  if (t->npending == MAX_PENDING) {
    fprintf(stderr, "kv-recorder: writer behind, frame dropped\n");
    return;
  }
  if (t->npending > 0 && ms <= t->pending[t->npending - 1].ms) ms = t->pending[t->npending - 1].ms + 1;
  struct frame *f = &t->pending[t->npending++];
  f->data = malloc(size + AV_INPUT_BUFFER_PADDING_SIZE);
  if (!f->data) die("out of memory", NULL);
  memcpy(f->data, data, size);
  memset(f->data + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
  f->size = size;
  f->ms = ms;
  f->key = key;
}

/* Media time of an RTP timestamp: the track's first packet's arrival plus the RTP clock since. */
static int64_t media_ms(struct track *t, uint32_t ts, int64_t arrival) {
  if (!t->started) {
    t->started = 1;
    t->ts_ext = t->ts0 = ts;
    t->anchor_ms = t->first_ms = arrival;
  } else {
    t->ts_ext += (int32_t)(ts - t->last_ts);
  }
  t->last_ts = ts;
  int64_t ms = t->anchor_ms + (t->ts_ext - t->ts0) * 1000 / t->clock_rate;
  /* A jump of the sender's clock: follow the arrival time again. */
  if (ms - arrival > 3000 || arrival - ms > 3000) {
    t->anchor_ms = arrival;
    t->ts0 = t->ts_ext;
    ms = arrival;
  }
  return ms;
}

static void vp8_frame_done(struct track *t, int64_t ms) {
  t->in_frame = 0;
  if (t->frame_bad || t->asm_len < 3) {
    t->need_key = 1;
    request_key_frame(t);
    return;
  }
  int key = !(t->asm_buf[0] & 1);
  if (key && t->asm_len >= 10 && t->asm_buf[3] == 0x9d && t->asm_buf[4] == 0x01 && t->asm_buf[5] == 0x2a) {
    t->width = (t->asm_buf[6] | t->asm_buf[7] << 8) & 0x3fff;
    t->height = (t->asm_buf[8] | t->asm_buf[9] << 8) & 0x3fff;
  }
  if (t->need_key && !key) {
    request_key_frame(t);
    return;
  }
  t->need_key = 0;
  queue_frame(t, t->asm_buf, t->asm_len, ms, key);
}

/* RFC 7741: strips the payload descriptor and gathers a frame's packets (it ends on the marker bit). */
static void vp8_packet(struct track *t, const uint8_t *p, int len, int marker, int lost, uint32_t ts, int64_t ms) {
  if (len < 1) return;
  if (lost) {
    /* Whatever frame the lost packets belonged to is damaged, and the frames after it refer to it. */
    if (t->in_frame) t->frame_bad = 1;
    t->need_key = 1;
    request_key_frame(t);
  }
  int off = 1;
  if (p[0] & 0x80) {
    if (len < 2) return;
    uint8_t x = p[1];
    off = 2;
    if (x & 0x80) off += (len > off && (p[off] & 0x80)) ? 2 : 1;
    if (x & 0x40) off += 1;
    if (x & 0x30) off += 1;
  }
  if (off > len) return;
  int start = (p[0] & 0x10) && (p[0] & 0x07) == 0;
  if (start) {
    if (t->in_frame) {
      t->frame_bad = 1; /* the previous frame lost its last packet */
      vp8_frame_done(t, ms);
    }
    t->in_frame = 1;
    t->frame_bad = 0;
    t->asm_len = 0;
    t->asm_ts = ts;
  } else if (!t->in_frame || ts != t->asm_ts) {
    if (t->in_frame) t->frame_bad = 1;
    else return; /* the middle of a frame whose start was lost */
  }
  if (t->asm_len + len - off > FRAME_MAX) t->frame_bad = 1;
  else {
    memcpy(t->asm_buf + t->asm_len, p + off, len - off);
    t->asm_len += len - off;
  }
  if (marker) vp8_frame_done(t, ms);
}

static void rtp_packet(struct track *t, const uint8_t *p, int len, int64_t arrival) {
  if (len < 12 || (p[0] >> 6) != 2) return;
  uint8_t pt = p[1] & 0x7f;
  if (p[1] >= 192 && p[1] <= 223) return; /* RTCP (sender reports): nothing to record */
  if (pt != t->payload_type) return;
  int off = 12 + (p[0] & 0x0f) * 4;
  if (p[0] & 0x10) {
    if (len < off + 4) return;
    off += 4 + ((p[off + 2] << 8) | p[off + 3]) * 4;
  }
  int end = len;
  if (p[0] & 0x20) end -= p[len - 1];
  uint16_t seq = (p[2] << 8) | p[3];
  uint32_t ts = (uint32_t)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7];
  int lost = t->started && seq != (uint16_t)(t->last_seq + 1);
  if (end <= off) { /* padding only: it still takes a sequence number */
    if (t->started && !lost) t->last_seq = seq;
    return;
  }
  int64_t ms = media_ms(t, ts, arrival);
  t->last_seq = seq;
  if (t->codec == OPUS) queue_frame(t, p + off, end - off, ms, 1);
  else vp8_packet(t, p + off, end - off, p[1] & 0x80, lost, ts, ms);
}

static void drain(struct track *t) {
  static uint8_t bufs[VLEN][PKT_MAX];
  static struct iovec iov[VLEN];
  static struct mmsghdr msgs[VLEN];
  static uint8_t control[VLEN][CMSG_SPACE(sizeof(struct timespec))];
  static struct sockaddr_in from[VLEN];
  for (;;) {
    for (int i = 0; i < VLEN; i++) {
      iov[i] = (struct iovec){ bufs[i], PKT_MAX };
      msgs[i].msg_hdr = (struct msghdr){ .msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &iov[i], .msg_iovlen = 1, .msg_control = control[i], .msg_controllen = sizeof control[i] };
    }
    int n = recvmmsg(t->sock, msgs, VLEN, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    int64_t now = now_ms();
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    for (int i = 0; i < n; i++) {
      /* Only the sender's media goes into the file: another local process cannot add to it. */
      if (from[i].sin_port != t->peer.sin_port || from[i].sin_addr.s_addr != t->peer.sin_addr.s_addr) continue;
      int64_t arrival = now;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
        struct timespec at;
        memcpy(&at, CMSG_DATA(c), sizeof at);
        int64_t age_ms = (realtime_ns(&real) - realtime_ns(&at)) / 1000000;
        if (age_ms >= 0 && age_ms < 10000) arrival = now - age_ms;
      }
      rtp_packet(t, bufs[i], (int)msgs[i].msg_len, arrival);
    }
    if (n < VLEN) return;
  }
}

static void opus_head(AVCodecParameters *par, int channels) {
  uint8_t *h = av_mallocz(19 + AV_INPUT_BUFFER_PADDING_SIZE);
  if (!h) die("out of memory", NULL);
  memcpy(h, "OpusHead", 8);
  h[8] = 1;
  h[9] = channels;
  h[12] = 48000 & 0xff, h[13] = (48000 >> 8) & 0xff, h[14] = 48000 >> 16;
  par->extradata = h;
  par->extradata_size = 19;
}

static void av_check(int ret, const char *what) {
  if (ret >= 0) return;
  char msg[AV_ERROR_MAX_STRING_SIZE];
  av_strerror(ret, msg, sizeof msg);
  die(what, msg);
}

static int ready_for_header(int stopping) {
  int any = 0, waiting_video = 0;
  int64_t first = INT64_MAX;
  for (int i = 0; i < ntracks; i++) {
    struct track *t = &tracks[i];
    if (t->npending > 0) any = 1;
    if (t->started && t->first_ms < first) first = t->first_ms;
    if (t->codec == VP8 && t->width == 0) waiting_video = 1;
  }
  if (!any) return 0;
  return !waiting_video || stopping || now_ms() - first > HEADER_WAIT_MS;
}

static void write_header(void) {
  av_check(avformat_alloc_output_context2(&oc, NULL, "webm", out_path), "cannot set up the WebM muxer");
  for (int i = 0; i < ntracks; i++) {
    struct track *t = &tracks[i];
    AVStream *st = avformat_new_stream(oc, NULL);
    if (!st) die("out of memory", NULL);
    st->time_base = (AVRational){ 1, 1000 };
    AVCodecParameters *par = st->codecpar;
    if (t->codec == VP8) {
      par->codec_type = AVMEDIA_TYPE_VIDEO;
      par->codec_id = AV_CODEC_ID_VP8;
      /* No key frame in time (its size is read from one): a common size; players use the stream's. */
      par->width = t->width ? t->width : 640;
      par->height = t->height ? t->height : 480;
    } else {
      par->codec_type = AVMEDIA_TYPE_AUDIO;
      par->codec_id = AV_CODEC_ID_OPUS;
      par->sample_rate = 48000;
      av_channel_layout_default(&par->ch_layout, t->channels);
      opus_head(par, t->channels);
    }
    t->stream_index = st->index;
  }
  av_check(avio_open(&oc->pb, out_path, AVIO_FLAG_WRITE), "cannot open the output file");
  AVDictionary *opts = NULL;
  av_dict_set(&opts, "cluster_time_limit", "1000", 0);
  av_check(avformat_write_header(oc, &opts), "cannot write the WebM header");
  av_dict_free(&opts);
  header_written = 1;
  base_ms = INT64_MAX;
  for (int i = 0; i < ntracks; i++)
    if (tracks[i].npending > 0 && tracks[i].pending[0].ms < base_ms) base_ms = tracks[i].pending[0].ms;
}

static void write_frame(struct track *t, struct frame *f) {
  int64_t ms = f->ms - base_ms;
  if (ms < 0) ms = 0;
  if (ms <= t->last_written_ms) ms = t->last_written_ms + 1;
  t->last_written_ms = ms;
  AVStream *st = oc->streams[t->stream_index];
  /* One packet for every frame: it only points at the frame's bytes (not reference-counted). */
  static AVPacket *pkt;
  if (!pkt && !(pkt = av_packet_alloc())) die("out of memory", NULL);
  pkt->flags = 0;
  pkt->data = f->data;
  pkt->size = f->size;
  pkt->stream_index = t->stream_index;
  pkt->pts = pkt->dts = av_rescale_q(ms, (AVRational){ 1, 1000 }, st->time_base);
  if (f->key) pkt->flags |= AV_PKT_FLAG_KEY;
  av_check(av_write_frame(oc, pkt), "cannot write to the output file");
  free(f->data);
}

/* Writes the frames older than `cutoff` (all of them when stopping), oldest first across tracks. */
static void write_pending(int64_t cutoff) {
  if (!header_written) return;
  int head[MAX_TRACKS] = { 0 };
  for (;;) {
    struct track *next = NULL;
    int ni = -1;
    for (int i = 0; i < ntracks; i++) {
      struct track *t = &tracks[i];
      if (head[i] < t->npending && t->pending[head[i]].ms <= cutoff && (!next || t->pending[head[i]].ms < next->pending[head[ni]].ms)) {
        next = t;
        ni = i;
      }
    }
    if (!next) break;
    write_frame(next, &next->pending[head[ni]++]);
  }
  for (int i = 0; i < ntracks; i++) {
    struct track *t = &tracks[i];
    memmove(t->pending, t->pending + head[i], (t->npending - head[i]) * sizeof(struct frame));
    t->npending -= head[i];
  }
  /* The muxer hands over a cluster when it closes (at most 1 s): to the file at once. */
  avio_flush(oc->pb);
}

static void finish(void) {
  for (int i = 0; i < ntracks; i++) drain(&tracks[i]);
  if (!header_written && ready_for_header(1)) write_header();
  if (!header_written) exit(0); /* no media arrived: no file, as ffmpeg */
  write_pending(INT64_MAX);
  av_check(av_write_trailer(oc), "cannot finish the output file");
  av_check(avio_closep(&oc->pb), "cannot close the output file");
  avformat_free_context(oc);
  exit(0);
}

int main(int argc, char **argv) {
  clock_gettime(CLOCK_MONOTONIC, &t_start);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--out") && i + 1 < argc) out_path = argv[++i];
    else if (!strcmp(argv[i], "--track") && i + 1 < argc) parse_track(argv[++i]);
    else die("usage: kv-recorder --out FILE --track KIND:CODEC:PT:CLOCK:CHANNELS:SSRC:PORT ...", argv[i]);
  }
  if (!out_path || ntracks == 0) die("usage: kv-recorder --out FILE --track KIND:CODEC:PT:CLOCK:CHANNELS:SSRC:PORT ...", NULL);
  av_log_set_level(AV_LOG_ERROR);
  signal(SIGPIPE, SIG_IGN);

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  int sfd = signalfd(-1, &stop, SFD_CLOEXEC);
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (sfd < 0 || tfd < 0 || ep < 0) die("cannot set up the event loop", strerror(errno));
  struct itimerspec tick = { .it_interval = { 0, TICK_MS * 1000000L }, .it_value = { 0, TICK_MS * 1000000L } };
  timerfd_settime(tfd, 0, &tick, NULL);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = sfd };
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
  ev.data.fd = tfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);

  for (int i = 0; i < ntracks; i++) open_socket(&tracks[i]);
  printf("ports");
  for (int i = 0; i < ntracks; i++) printf(" %u", tracks[i].port);
  printf("\n");
  fflush(stdout);

  for (;;) {
    struct epoll_event events[2];
    int n = epoll_wait(ep, events, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("epoll_wait", strerror(errno));
    for (int i = 0; i < n; i++) {
      if (events[i].data.fd == sfd) finish();
      uint64_t expirations;
      if (read(tfd, &expirations, sizeof expirations) < 0) continue;
      for (int k = 0; k < ntracks; k++) {
        drain(&tracks[k]);
        /* Until the first key frame: the consumer's own request may have been lost. */
        if (tracks[k].codec == VP8 && tracks[k].width == 0 && now_ms() > 200) request_key_frame(&tracks[k]);
      }
      if (!header_written && ready_for_header(0)) write_header();
      write_pending(now_ms() - REORDER_MS);
    }
  }
}
