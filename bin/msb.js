#!/usr/bin/env node
// Runs the bundled CLI (npm install builds dist/ through the "prepare" script: scripts/build.mjs).
import '../dist/msb.js';
