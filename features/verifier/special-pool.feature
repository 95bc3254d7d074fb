@verifier
Feature: Special Pool: an overrun or a use after free of the driver's pool faults at the instruction that does it

  With Special Pool (0x1, part of the standard settings) each allocation of less than a page by the
  verified driver gets a page of its own, the buffer at the end of it, the next page unmapped. A
  read or write past the end faults on that page: DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION
  (0xD6: the address, 0 read / 1 write, the faulting code, reserved). A touch after the free is
  DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xD5). Without Verifier both go unnoticed in ordinary
  pool. Bytes overwritten in the slack after a buffer that is not a multiple of 16 are found when
  it is freed: SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION (0xC1, subclass 0x24).
  Sources: https://learn.microsoft.com/windows-hardware/drivers/devtest/special-pool,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xd6--driver-page-fault-beyond-end-of-allocation,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xd5--driver-page-fault-in-freed-special-pool,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc1--special-pool-detected-memory-corruption.

  Background:
    Given a machine
    And a driver "Pool.sys" with a device "\Device\Pool"

  Scenario: without Verifier, writing 0x10 bytes past a 0x40-byte block goes unnoticed
    When "Pool.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6C6F6F50) |
      | RtlFillMemory(p, 0x50, 0x41)                              |
    Then the machine is running

  Scenario: under Verifier the block ends at its page's end, and the overrun faults on the next page
    Given Driver Verifier is enabled for "Pool.sys" with standard settings
    When "Pool.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6C6F6F50) |
    Then p + 0x40 - (p & 0xFFFFFFFFFFFFF000) is 0x1000
    When "Pool.sys" runs:
      | RtlFillMemory(p, 0x50, 0x41) |
    Then the machine bug-checked with DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION (p + 0x40, 1, *, 0)

  Scenario: another driver's read of the freed block: 0xD5 as well (any driver's code)
    Given Driver Verifier is enabled for "Pool.sys" with standard settings
    When "Pool.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6C6F6F50) |
      | ExFreePool(p)                                             |
    And the driver reads 1 byte at p
    Then the machine bug-checked with DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (p, 0, *, 0)

  Scenario: the driver's own read after its free: DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL
    Given Driver Verifier is enabled for "Pool.sys" with standard settings
    When "Pool.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6C6F6F50) |
      | ExFreePool(p)                                             |
      | RtlFillMemory(p, 1, 0x41)                                 |
    Then the machine bug-checked with DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (p, 1, *, 0)

  Scenario: a 0x3A-byte block overrun by 2 bytes stays in its slack: found at the free, 0xC1/0x24
    Given Driver Verifier is enabled for "Pool.sys" with standard settings
    When "Pool.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x3A, 0x6C6F6F50) |
      | RtlFillMemory(p, 0x3C, 0x41)                              |
    Then the machine is running
    When "Pool.sys" runs:
      | ExFreePool(p) |
    Then the machine bug-checked with SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION (p, p + 0x3A, 0, 0x24)

  Scenario: used within its size and freed: nothing raised
    Given Driver Verifier is enabled for "Pool.sys" with standard settings
    When "Pool.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x3A, 0x6C6F6F50) |
      | RtlFillMemory(p, 0x3A, 0x41)                              |
      | ExFreePool(p)                                             |
    Then the machine is running

  Scenario: one byte stored past the end through a typed pointer: 0xD6 at that store
    Given Driver Verifier is enabled for "Pool.sys" with standard settings
    When "Pool.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 'looP') |
      | *(PUCHAR)(p + 0x3F) = 0x41                            |
      | *(PUCHAR)(p + 0x40) = 0x41                            |
    Then the machine bug-checked with DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION (p + 0x40, 1, *, 0)
