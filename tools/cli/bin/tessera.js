#!/usr/bin/env node
'use strict';
// The CLI is a repository tool run from its TypeScript sources, so there is no build step to forget.
const path = require('node:path');

process.env.SWC_NODE_PROJECT = path.resolve(__dirname, '../../../tsconfig.base.json');
require('@swc-node/register');
require('../src/main.ts');
