package io.mrgc.autoscaler.policy;

/** What a decision does to the desired capacity. */
public enum Direction { UP, DOWN, HOLD }
