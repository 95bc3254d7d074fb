@verifier @mm
Feature: Force IRQL Checking: paged memory touched at DISPATCH_LEVEL faults even when it happened to be resident

  Touching pageable memory at DISPATCH_LEVEL is forbidden, but goes unnoticed while the page is
  resident. With Force IRQL Checking (0x2, part of the standard settings), each time the verified
  driver raises to DISPATCH_LEVEL or above, Verifier trims all system pageable memory out of the
  working set, so the touch faults at raised IRQL: DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1). User
  pages are not part of what it trims.
  Source: https://learn.microsoft.com/windows-hardware/drivers/devtest/force-irql-checking.

  Background:
    Given a machine

  Scenario: not verified, the resident paged-pool page is read at DISPATCH_LEVEL and nothing happens
    When the driver calls:
      | p = ExAllocatePoolWithTag(PagedPool, 0x1000, 0x74736554) |
      | RtlFillMemory(p, 0x10, 0x41)                             |
      | KeRaiseIrql(DISPATCH_LEVEL)                              |
    And the driver reads 1 byte at p
    Then the machine is running

  Scenario: verified with standard settings, the raise trims it and the read is 0xD1
    Given Driver Verifier is enabled for the driver with standard settings
    When the driver calls:
      | p = ExAllocatePoolWithTag(PagedPool, 0x1000, 0x74736554) |
      | RtlFillMemory(p, 0x10, 0x41)                             |
      | KeRaiseIrql(DISPATCH_LEVEL)                              |
    Then pte(p)->Valid is 0
    When the driver reads 1 byte at p
    Then the machine bug-checked with DRIVER_IRQL_NOT_LESS_OR_EQUAL (p, DISPATCH_LEVEL, 0, *)

  Scenario: verified without Force IRQL Checking (special pool only): no trim, nothing happens
    Given Driver Verifier is enabled for the driver with flags 0x1
    When the driver calls:
      | p = ExAllocatePoolWithTag(PagedPool, 0x1000, 0x74736554) |
      | RtlFillMemory(p, 0x10, 0x41)                             |
      | KeRaiseIrql(DISPATCH_LEVEL)                              |
    Then pte(p)->Valid is 1
    When the driver reads 1 byte at p
    Then the machine is running

  Scenario: nonpaged pool is not trimmed: the correct driver reads it at DISPATCH_LEVEL under Verifier
    Given Driver Verifier is enabled for the driver with standard settings
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554) |
      | RtlFillMemory(p, 0x10, 0x41)                                |
      | KeRaiseIrql(DISPATCH_LEVEL)                                 |
    And the driver reads 1 byte at p
    Then the machine is running

  Scenario: a resident user page is not part of what Verifier trims
    Given a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And "app" writes "user" at buf
    And Driver Verifier is enabled for the driver with standard settings
    When the driver calls KeRaiseIrql(DISPATCH_LEVEL)
    Then pte(buf)->Valid is 1
    And the driver reads "user" at buf
