#!/usr/bin/env node
// Package entry for the CLI: runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
