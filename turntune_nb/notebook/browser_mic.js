// The browser half of turntune_nb.notebook.browser_mic.BrowserMicrophone (an anywidget ESM).
//
// Captures the page's microphone (getUserMedia + Web Audio), resamples it to 16 kHz PCM16
// in an AudioWorklet, cuts 50 ms chunks and either
//   - "assemblyai": streams them straight to AssemblyAI's WebSocket with the temporary-token
//     URL the kernel minted (the API key never comes here) and forwards every server
//     message to the kernel, stamped with how much audio had been sent when it arrived;
//   - "kernel": sends them to the kernel as binary widget messages, with back-pressure:
//     at most `max_in_flight` chunks un-acknowledged by the kernel; past that a chunk is
//     dropped and counted (never silently).
// `window.__turntuneMic` keeps, per session, the capture time of each chunk and the
// arrival time of each server message (performance.now() ms) for latency measurement.

const WORKLET = `
class TurnTunePcm16 extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.step = sampleRate / o.targetRate;   // input samples per output sample
    this.chunk = o.chunkSamples;
    this.buf = new Int16Array(this.chunk);
    this.n = 0;
    this.t = 0;                              // position of the next output sample in this block
    this.last = 0;                           // the previous block's last (filtered) sample
    this.lp = 0;
    // one-pole low-pass near 0.45 * target rate against aliasing (skipped at 1:1)
    this.alpha = this.step > 1 ? 1 - Math.exp(-2 * Math.PI * 0.45 * o.targetRate / sampleRate) : 1;
    this.mono = new Float32Array(128);
  }
  process(inputs) {
    const chans = inputs[0];
    if (!chans || chans.length === 0 || !chans[0]) return true;
    const len = chans[0].length;
    if (this.mono.length !== len) this.mono = new Float32Array(len);
    const x = this.mono;
    for (let i = 0; i < len; i++) {
      let s = 0;
      for (let c = 0; c < chans.length; c++) s += chans[c][i];
      this.lp += this.alpha * (s / chans.length - this.lp);
      x[i] = this.lp;
    }
    while (this.t < len - 1) {
      const i0 = Math.floor(this.t);
      const f = this.t - i0;
      const a = i0 < 0 ? this.last : x[i0];
      const b = x[i0 + 1];
      const v = Math.max(-1, Math.min(1, a + f * (b - a)));
      this.buf[this.n++] = v < 0 ? Math.round(v * 32768) : Math.round(v * 32767);
      if (this.n === this.chunk) {
        this.port.postMessage({ pcm: this.buf.buffer, frame: currentFrame + i0 }, [this.buf.buffer]);
        this.buf = new Int16Array(this.chunk);
        this.n = 0;
      }
      this.t += this.step;
    }
    this.t -= len;
    this.last = x[len - 1];
    return true;
  }
}
registerProcessor("turntune-pcm16", TurnTunePcm16);
`;

const owners = new WeakMap(); // model -> the view that captures (one per widget)

function log() {
  window.__turntuneMic = window.__turntuneMic || { sessions: [] };
  return window.__turntuneMic;
}

function render({ model, el }) {
  const view = {};
  const box = document.createElement("div");
  box.className = "turntune-mic";
  const status = document.createElement("span");
  status.className = "turntune-mic-status";
  const note = document.createElement("div");
  note.className = "turntune-mic-note";
  note.style.color = "#a60";
  box.append(status, note);
  el.appendChild(box);

  const secure = !!window.isSecureContext;
  const gum = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  model.set("secure_context", secure);
  model.set("media_available", secure && gum);
  model.save_changes();
  if (!(secure && gum)) {
    note.textContent = "No microphone in this page: the browser allows getUserMedia only in a secure context " +
      "(https://, or http://localhost / 127.0.0.1). Open JupyterLab over https or through an SSH tunnel to " +
      "localhost, or replay a recording instead.";
  }
  const show = () => {
    const error = model.get("error");
    status.textContent = `browser microphone: ${model.get("status")}` + (error ? ` (${error})` : "");
  };
  model.on("change:status", show);
  model.on("change:error", show);
  show();

  let s = null; // the running capture

  function setStatus(text, error) {
    model.set("status", text);
    if (error !== undefined) model.set("error", error);
    model.save_changes();
  }

  async function start(msg) {
    if (owners.has(model) && owners.get(model) !== view) return;
    owners.set(model, view);
    await stop();
    const entry = { target: msg.target, captures: [], messages: [], started: performance.now() };
    log().sessions.push(entry);
    s = { msg, entry, seq: 0, acked: 0, sentMs: 0, dropped: 0, droppedMs: 0, ws: null, closing: false };
    const chunkMs = msg.chunk_ms || 50;
    const rate = msg.sample_rate || 16000;
    const chunkSamples = Math.round(rate * chunkMs / 1000);
    setStatus("requesting microphone");
    try {
      s.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      s.ctx = new AudioContext();
      const url = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
      await s.ctx.audioWorklet.addModule(url);
      URL.revokeObjectURL(url);
      s.node = new AudioWorkletNode(s.ctx, "turntune-pcm16", {
        processorOptions: { targetRate: rate, chunkSamples }, numberOfOutputs: 0,
      });
      model.set("capture_rate", s.ctx.sampleRate);
    } catch (err) {
      model.send({ type: "error", error: `${err.name || "Error"}: ${err.message || err}` });
      setStatus("error", String(err.message || err));
      await stop();
      return;
    }
    const cur = s;
    if (msg.target === "assemblyai") {
      cur.ws = new WebSocket(msg.url);
      cur.ws.binaryType = "arraybuffer";
      cur.ws.onmessage = (ev) => {
        entry.messages.push([performance.now(), cur.sentMs]);
        model.send({ type: "server", data: ev.data, audio_ms: cur.sentMs });
      };
      cur.ws.onclose = (ev) => {
        model.send({ type: "closed", code: ev.code, reason: ev.reason || "" });
        if (s === cur) stop();
      };
      cur.ws.onerror = () => {};
    }
    cur.node.port.onmessage = (ev) => {
      if (s !== cur || cur.closing) return;
      const now = performance.now();
      const pcm = ev.data.pcm;
      if (msg.target === "assemblyai") {
        if (!cur.ws || cur.ws.readyState !== WebSocket.OPEN) return; // before Begin's socket is open
        if (cur.ws.bufferedAmount > 64000) { cur.dropped += 1; cur.droppedMs += chunkMs; return; }
        cur.ws.send(pcm);
      } else {
        if (cur.seq - cur.acked >= (msg.max_in_flight || 40)) { cur.dropped += 1; cur.droppedMs += chunkMs; return; }
        model.send({ type: "audio", seq: cur.seq + 1, audio_ms: cur.sentMs + chunkMs }, undefined, [pcm]);
      }
      cur.seq += 1;
      cur.sentMs += chunkMs;
      entry.captures.push([cur.sentMs, now]);
      if (cur.seq % 20 === 0) {
        model.set("chunks_sent", cur.seq);
        model.set("browser_dropped_ms", cur.droppedMs);
        model.save_changes();
      }
    };
    s.source = s.ctx.createMediaStreamSource(s.stream);
    s.source.connect(s.node);
    setStatus(msg.target === "assemblyai" ? "streaming to AssemblyAI" : "streaming to the kernel");
  }

  async function stop() {
    const cur = s;
    if (!cur) return;
    s = null;
    cur.closing = true;
    try { cur.source && cur.source.disconnect(); } catch (e) { /* already gone */ }
    try { cur.stream && cur.stream.getTracks().forEach((t) => t.stop()); } catch (e) { /* idem */ }
    try { cur.ctx && (await cur.ctx.close()); } catch (e) { /* idem */ }
    model.set("chunks_sent", cur.seq);
    model.set("browser_dropped_ms", cur.droppedMs);
    model.set("status", "stopped");
    model.save_changes();
    if (cur.msg.target === "kernel") model.send({ type: "ended", chunks: cur.seq, dropped_ms: cur.droppedMs });
  }

  model.on("msg:custom", (msg) => {
    if (msg.cmd === "start") start(msg);
    else if (msg.cmd === "ack" && s) s.acked = Math.max(s.acked, msg.seq);
    else if (msg.cmd === "terminate" && s) {
      const cur = s;
      if (cur.ws && cur.ws.readyState === WebSocket.OPEN) {
        cur.closing = true;  // no audio after Terminate
        cur.ws.send(JSON.stringify({ type: "Terminate" }));
      } else {
        stop();
      }
    } else if (msg.cmd === "stop") {
      const cur = s;
      stop();
      if (cur && cur.ws && cur.ws.readyState <= WebSocket.OPEN) cur.ws.close();
    }
  });
  return () => { if (owners.get(model) === view) { owners.delete(model); stop(); } };
}

export default { render };
