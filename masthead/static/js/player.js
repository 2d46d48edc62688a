/* Masthead article player: progressive enhancement of a plain <audio controls>.
 *
 * Without JavaScript the reader keeps the browser's own controls. With it we
 * add: play/pause, skip ±15 s, a seek slider, speed 0.75–2×, resume where the
 * reader stopped (localStorage per article and variant), the paragraph being
 * read highlighted, click a paragraph to play from it, and Media Session
 * metadata for lock screens and headset keys.
 */
(function () {
  "use strict";

  var SKIP_SECONDS = 15;
  var SAVE_EVERY_MS = 2000;

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, String(value));
    } catch (e) { /* private mode or storage full: resuming is a nicety */ }
  }

  function recall(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function setup(root) {
    var audio = root.querySelector("audio");
    var controls = root.querySelector(".listen__controls");
    if (!audio || !controls) return;
    var playButton = root.querySelector("[data-listen-play]");
    var seek = root.querySelector("[data-listen-seek]");
    var timeLabel = root.querySelector("[data-listen-time]");
    var speed = root.querySelector("[data-listen-speed]");
    var key = root.getAttribute("data-storage-key");
    var segments = [];
    var dataNode = document.getElementById(root.getAttribute("data-segments"));
    if (dataNode) {
      try { segments = JSON.parse(dataNode.textContent) || []; } catch (e) { segments = []; }
    }
    var blocks = {};
    segments.forEach(function (segment) {
      var element = segment.block && document.querySelector('[data-block="' + CSS.escape(segment.block) + '"]');
      if (element) blocks[segment.block] = element;
    });

    // Our controls replace the browser's; the <audio> stays in the page as the engine.
    audio.removeAttribute("controls");
    audio.hidden = true;
    controls.hidden = false;
    root.classList.add("listen--enhanced");

    var duration = function () {
      return isFinite(audio.duration) && audio.duration > 0 ? audio.duration : Number(seek.max) / 1000;
    };

    var seekTo = function (seconds) {
      audio.currentTime = Math.min(Math.max(0, seconds), Math.max(0, duration() - 0.25));
      render();
    };

    var current = null;
    var highlight = function () {
      var ms = audio.currentTime * 1000;
      var found = null;
      for (var i = 0; i < segments.length; i++) {
        if (segments[i].start <= ms && ms < segments[i].end) { found = segments[i].block; break; }
      }
      if (found === current) return;
      if (current && blocks[current]) blocks[current].classList.remove("is-being-read");
      current = found;
      if (current && blocks[current]) blocks[current].classList.add("is-being-read");
    };

    var lastSaved = 0;
    var save = function (force) {
      var now = Date.now();
      if (!force && now - lastSaved < SAVE_EVERY_MS) return;
      lastSaved = now;
      if (audio.ended) store(key, null);
      else if (audio.currentTime > 1) store(key, audio.currentTime.toFixed(1));
    };

    var render = function () {
      var playing = !audio.paused && !audio.ended;
      playButton.textContent = playing ? "Pause" : "Play";
      seek.value = String(Math.round(audio.currentTime * 1000));
      var text = clock(audio.currentTime) + " / " + clock(duration());
      timeLabel.textContent = text;
      seek.setAttribute("aria-valuetext", clock(audio.currentTime) + " of " + clock(duration()));
      highlight();
      if ("mediaSession" in navigator && navigator.mediaSession.setPositionState && isFinite(audio.duration)) {
        try {
          navigator.mediaSession.setPositionState({
            duration: audio.duration, playbackRate: audio.playbackRate, position: Math.min(audio.currentTime, audio.duration)
          });
        } catch (e) { /* older browsers reject some states */ }
      }
    };

    playButton.addEventListener("click", function () {
      if (audio.paused || audio.ended) audio.play(); else audio.pause();
    });
    root.querySelectorAll("[data-listen-skip]").forEach(function (button) {
      button.addEventListener("click", function () {
        seekTo(audio.currentTime + Number(button.getAttribute("data-listen-skip")));
      });
    });
    seek.addEventListener("input", function () { seekTo(Number(seek.value) / 1000); });
    speed.addEventListener("change", function () {
      audio.playbackRate = Number(speed.value);
      store("masthead:listen:rate", speed.value);
    });

    audio.addEventListener("loadedmetadata", function () {
      if (isFinite(audio.duration)) seek.max = String(Math.round(audio.duration * 1000));
      render();
    });
    audio.addEventListener("timeupdate", function () { render(); save(false); });
    audio.addEventListener("play", render);
    audio.addEventListener("pause", function () { render(); save(true); });
    audio.addEventListener("ended", function () { render(); save(true); });
    audio.addEventListener("ratechange", function () { speed.value = String(audio.playbackRate); render(); });
    window.addEventListener("pagehide", function () { save(true); });

    // Resume where the reader stopped, and at the speed they chose last.
    var saved = Number(recall(key));
    if (saved > 0) {
      audio.preload = "metadata";
      audio.currentTime = saved;
      if (audio.readyState < 1) {
        audio.addEventListener("loadedmetadata", function once() {
          audio.removeEventListener("loadedmetadata", once);
          if (audio.currentTime < 1) audio.currentTime = saved;
        });
      }
    }
    var rate = recall("masthead:listen:rate");
    if (rate && speed.querySelector('option[value="' + rate + '"]')) {
      speed.value = rate;
      audio.playbackRate = Number(rate);
    }
    // Some browsers reset playbackRate when the source loads; keep the reader's choice.
    audio.addEventListener("loadedmetadata", function () { audio.playbackRate = Number(speed.value); });

    // Click a paragraph to play from it (but not when following a link or selecting text).
    Object.keys(blocks).forEach(function (block) {
      var element = blocks[block];
      element.classList.add("is-narrated");
      element.addEventListener("click", function (event) {
        if (event.target.closest("a")) return;
        var selection = window.getSelection && window.getSelection();
        if (selection && String(selection).length > 0) return;
        var segment = segments.filter(function (s) { return s.block === block; })[0];
        if (!segment) return;
        seekTo(segment.start / 1000 + 0.01);
        audio.play();
      });
    });

    if ("mediaSession" in navigator) {
      var artwork = root.getAttribute("data-artwork");
      try {
        navigator.mediaSession.metadata = new MediaMetadata({
          title: root.getAttribute("data-title") || document.title,
          artist: root.getAttribute("data-artist") || "",
          album: root.getAttribute("data-album") || "",
          artwork: artwork ? [{ src: artwork, sizes: "512x512" }] : []
        });
        var handlers = {
          play: function () { audio.play(); },
          pause: function () { audio.pause(); },
          seekbackward: function (d) { seekTo(audio.currentTime - ((d && d.seekOffset) || SKIP_SECONDS)); },
          seekforward: function (d) { seekTo(audio.currentTime + ((d && d.seekOffset) || SKIP_SECONDS)); },
          seekto: function (d) { if (d && typeof d.seekTime === "number") seekTo(d.seekTime); }
        };
        Object.keys(handlers).forEach(function (action) {
          try { navigator.mediaSession.setActionHandler(action, handlers[action]); } catch (e) { /* unsupported action */ }
        });
      } catch (e) { /* Media Session is a nicety */ }
    }
    render();
  }

  function init() { document.querySelectorAll("[data-listen]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
