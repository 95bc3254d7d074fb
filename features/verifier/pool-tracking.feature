@verifier
Feature: Pool Tracking: a driver that unloads with pool, an MDL or an IRP not freed is stopped, 0xC4/0x62

  With Pool Tracking (0x8, part of the standard settings) Verifier keeps the verified driver's
  allocations — pool blocks, MDLs from IoAllocateMdl, IRPs from IoAllocateIrp — and checks at unload
  that none is left: otherwise DRIVER_VERIFIER_DETECTED_VIOLATION 0x62 (the driver's name,
  reserved, the number of allocations not freed). Freed by the kernel counts as freed.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/devtest/pool-tracking,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And a driver "Leaky.sys" with a device "\Device\Leaky"
    And Driver Verifier is enabled for "Leaky.sys" with standard settings

  Scenario: a pool block and an MDL not freed at unload: 0x62 counting both
    When "Leaky.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6B61654C) |
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)      |
    And "Leaky.sys" is unloaded
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x62, *, 0, 2)

  Scenario: everything freed before unload: nothing raised
    When "Leaky.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6B61654C) |
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)      |
      | irp = IoAllocateIrp(1, FALSE)                             |
      | IoFreeIrp(irp)                                            |
      | IoFreeMdl(mdl)                                            |
      | ExFreePool(p)                                             |
    And "Leaky.sys" is unloaded
    Then the machine is running

  Scenario: without Pool Tracking (special pool only) the same leak unloads silently
    Given Driver Verifier is enabled for "Leaky.sys" with flags 0x1
    When "Leaky.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6B61654C) |
    And "Leaky.sys" is unloaded
    Then the machine is running

  Scenario: the same leak with the options named as Verifier Manager names them
    Given Driver Verifier is enabled for "Leaky.sys" with options Special Pool, Pool Tracking
    When "Leaky.sys" runs:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x6B61654C) |
    And "Leaky.sys" is unloaded
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x62, *, 0, 1)
