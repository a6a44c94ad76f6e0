/** The runtime image of the same family a split's output names as an assumption (never run FROM). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familyHint } from '../../src/fix/family.js';

test('the slim or JRE variant of an official build image', () => {
  const cases: Array<[string, string | undefined]> = [
    ['debian:bookworm', 'debian:bookworm-slim'],
    ['debian', 'debian:stable-slim'],
    ['docker.io/library/debian:12', 'debian:12-slim'],
    ['python:3.12', 'python:3.12-slim'],
    ['python:3.12-bookworm', 'python:3.12-slim-bookworm'],
    ['ruby:3.2-bullseye', 'ruby:3.2-slim-bullseye'],
    ['node:20', 'node:20-slim'],
    ['node:20-bookworm', 'node:20-bookworm-slim'],
    ['golang:1.22-bookworm', 'debian:bookworm-slim'],
    ['rust:1.75-bullseye', 'debian:bullseye-slim'],
    ['eclipse-temurin:17-jdk', 'eclipse-temurin:17-jre'],
    ['eclipse-temurin:21-jdk-jammy', 'eclipse-temurin:21-jre-jammy'],
    ['eclipse-temurin:17-jdk-alpine', 'eclipse-temurin:17-jre-alpine'],
    ['maven:3.9-eclipse-temurin-17', 'eclipse-temurin:17-jre'],
    ['gradle:8.5-jdk17', 'eclipse-temurin:17-jre'],
  ];
  for (const [from, want] of cases) assert.equal(familyHint(from)?.image, want, from);
});

test('no hint where the family is not known from the name alone', () => {
  for (const from of [
    'golang:1.22', // which Debian release: not in the name
    'python:3.12-slim',
    'node:20-alpine',
    'eclipse-temurin:17-jre',
    'registry.example.com/team/python:3.12',
    'python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'python:${PY_VERSION}',
    'localhost/debian-base:latest',
    'maven:3.9',
    'scratch',
  ]) {
    assert.equal(familyHint(from), undefined, from);
  }
});
