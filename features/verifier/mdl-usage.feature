@verifier @mm
Feature: Driver Verifier's MDL and IRQL checks: each misuse named by its 0xC4 subcode, the corrected code silent

  Driver Verifier thunks a verified driver's imports: each MDL routine and IRQL change the driver
  calls is checked before the real routine runs, and a misuse is bug check 0xC4
  DRIVER_VERIFIER_DETECTED_VIOLATION with Microsoft's subcode and parameters. These checks are
  among the automatic checks: they run for a verified driver whatever its option flags. "the
  driver" is the image of the scenario's own calls.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/devtest/automatic-checks,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0xc4--driver-verifier-detected-violation,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmbuildmdlfornonpagedpool,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmmaplockedpagesspecifycache.

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And Driver Verifier is enabled for the driver with standard settings

  Scenario: lock, map, unmap, unlock and free raises nothing
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)  |
      | MmUnmapLockedPages(va, mdl)                                 |
      | MmUnlockPages(mdl)                                          |
      | IoFreeMdl(mdl)                                              |
    Then the machine is running

  Scenario: unlocking and then unmapping (the thread's wrong order): 0xB6, the MDL is no longer mapped
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)  |
      | MmUnlockPages(mdl)                                          |
      | MmUnmapLockedPages(va, mdl)                                 |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB6, mdl, mdl->MdlFlags, MDL_MAPPED_TO_SYSTEM_VA)

  Scenario: probing an MDL built by MmBuildMdlForNonPagedPool: 0xB0
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554) |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)          |
      | MmBuildMdlForNonPagedPool(mdl)                              |
      | MmProbeAndLockPages(mdl, KernelMode, IoReadAccess)          |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB0, mdl, mdl->MdlFlags, MDL_SOURCE_IS_NONPAGED_POOL)

  Scenario: unlocking an MDL built by MmBuildMdlForNonPagedPool: 0x7D
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554) |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)          |
      | MmBuildMdlForNonPagedPool(mdl)                              |
      | MmUnlockPages(mdl)                                          |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x7D, mdl, mdl->MdlFlags, 0)

  Scenario: unlocking an MDL that was never locked: 0x7C
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmUnlockPages(mdl)                                   |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x7C, mdl, mdl->MdlFlags, 0)

  Scenario: unlocking a partial MDL: 0xB4
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | part = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)      |
      | IoBuildPartialMdl(mdl, part, buf, 0x1000)                  |
      | MmUnlockPages(part)                                        |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB4, part, part->MdlFlags, MDL_PARTIAL)

  Scenario: unmapping a partial MDL's mapping with MmUnmapLockedPages: 0xB5 (IoFreeMdl releases it)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)            |
      | part = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)       |
      | IoBuildPartialMdl(mdl, part, buf, 0x1000)                   |
      | pva = MmGetSystemAddressForMdlSafe(part, NormalPagePriority) |
      | MmUnmapLockedPages(pva, part)                               |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB5, part, part->MdlFlags, MDL_PARTIAL)

  Scenario: the partial MDL freed with IoFreeMdl instead: its mapping goes with it, nothing raised
    Given SystemPtesInUse is noted as ptes0
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)            |
      | part = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)       |
      | IoBuildPartialMdl(mdl, part, buf, 0x1000)                   |
      | pva = MmGetSystemAddressForMdlSafe(part, NormalPagePriority) |
      | IoFreeMdl(part)                                             |
      | MmUnlockPages(mdl)                                          |
      | IoFreeMdl(mdl)                                              |
    Then SystemPtesInUse is ptes0
    And the machine is running

  Scenario: mapping an MDL that is already mapped to a system address: 0xB2
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)                                           |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                               |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)                                     |
      | MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority)       |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB2, mdl, mdl->MdlFlags, MDL_MAPPED_TO_SYSTEM_VA)

  Scenario: mapping an MDL that is not locked: 0xB3
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)                                     |
      | MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, FALSE, NormalPagePriority) |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB3, mdl, mdl->MdlFlags, MDL_PAGES_LOCKED)

  Scenario: MmMapLockedPagesSpecifyCache with BugCheckOnFailure TRUE: 0x82
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)                                    |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                        |
      | MmMapLockedPagesSpecifyCache(mdl, KernelMode, MmCached, NULL, TRUE, NormalPagePriority) |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x82, mdl, mdl->MdlFlags, 0)

  Scenario: the obsolete MmMapLockedPages: 0x81
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | MmMapLockedPages(mdl, KernelMode)                    |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x81, mdl, mdl->MdlFlags, 0)

  Scenario: IoFreeMdl of an MDL that is still mapped: 0xB8 (without Verifier its PTEs leak silently)
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)       |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)           |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | IoFreeMdl(mdl)                                             |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB8, mdl, mdl->MdlFlags, 0)

  Scenario: MmProbeAndLockPages above DISPATCH_LEVEL: 0x70
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | KeRaiseIrql(HIGH_LEVEL)                              |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x70, HIGH_LEVEL, mdl, UserMode)

  Scenario Outline: <call> at <irql>: <subcode> (x64 writes CR8 unchecked; Verifier checks)
    When the driver calls:
      | KeRaiseIrql(<irql>) |
      | <call>              |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (<subcode>, <irql>, <requested>, 0)

    Examples:
      | irql           | call                       | subcode | requested      |
      | DISPATCH_LEVEL | KeRaiseIrql(APC_LEVEL)     | 0x30    | APC_LEVEL      |
      | APC_LEVEL      | KeLowerIrql(DISPATCH_LEVEL) | 0x31   | DISPATCH_LEVEL |

  Scenario: MmBuildMdlForNonPagedPool of paged pool: 0x7F (the free build fills the MDL from whatever is resident)
    When the driver calls:
      | p = ExAllocatePoolWithTag(PagedPool, 0x1000, 0x74736554) |
      | RtlFillMemory(p, 0x10, 0x41)                             |
      | mdl = IoAllocateMdl(p, 0x1000, FALSE, FALSE, NULL)       |
      | MmBuildMdlForNonPagedPool(mdl)                           |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x7F, PASSIVE_LEVEL, mdl, mdl->MdlFlags)

  Scenario: mapping a partial MDL whose parent was unlocked: 0x85 names the first page not locked
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)            |
      | part = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL)       |
      | IoBuildPartialMdl(mdl, part, buf, 0x1000)                   |
      | MmUnlockPages(mdl)                                          |
      | MmGetSystemAddressForMdlSafe(part, NormalPagePriority)      |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x85, part, 1, MmGetMdlPfnArray(part)[0])

  Scenario: unmapping a user mapping at an address that is not where it begins: 0xB9
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)                                        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                            |
      | uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority) |
      | MmUnmapLockedPages(uva + 0x1000, mdl)                                                       |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0xB9, uva + 0x1000, mdl, 0)

  Scenario: the same user mapping unmapped at its address, then unlocked: nothing raised
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x2000, FALSE, FALSE, NULL)                                        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                            |
      | uva = MmMapLockedPagesSpecifyCache(mdl, UserMode, MmCached, NULL, FALSE, NormalPagePriority) |
      | MmUnmapLockedPages(uva, mdl)                                                                |
      | MmUnlockPages(mdl)                                                                          |
      | IoFreeMdl(mdl)                                                                              |
    Then the machine is running

  Scenario: MmAllocatePagesForMdlEx above DISPATCH_LEVEL: 0x7E (with DDI compliance checking off)
    Given Driver Verifier is enabled for the driver with options Special Pool
    When the driver calls:
      | KeRaiseIrql(HIGH_LEVEL)                                                |
      | MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFFFFFF, 0, 0x1000, MmCached, 0) |
    Then the machine bug-checked with DRIVER_VERIFIER_DETECTED_VIOLATION (0x7E, HIGH_LEVEL, DISPATCH_LEVEL, 0)
