package io.mrgc.common.config;

/** Which adapters a service uses: the AWS SDK's ({@code aws}) or the embedded stand-ins ({@code local}). */
public enum Mode {
  LOCAL,
  AWS
}
