@misuse
Feature: Bad arguments end as Windows ends them: an access violation, a bug check, NULL, or corruption found later

  A driver that passes NULL, a stale or a wild pointer, a length past an MDL's storage or a huge
  size gets what Windows gives it: the DDI touches memory at that address, and the fault is an
  access violation the driver's __try catches (a user-range address, or a #GP), or a bug check
  (a system address, or no handler: SYSTEM_SERVICE_EXCEPTION when the driver runs for a system
  service on x64). Sizes that cannot be met give NULL, and leave the machine as it was.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/kernel/handling-exceptions,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x3b--system-service-exception,
  https://learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-0x50--page-fault-in-nonpaged-area,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-iobuildpartialmdl,
  https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-exallocatepoolwithtag,
  ReactOS ntoskrnl/mm/ARM3/mdlsup.c (the probe reads the MDL's fields first)
  (https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/mdlsup.c).

  Scenario: MmProbeAndLockPages(NULL, ...) reads the MDL at address 0: an access violation the driver's __try catches
    Given a machine
    And a user process "app"
    When the driver calls MmProbeAndLockPages(NULL, KernelMode, IoReadAccess) inside __try
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And the machine is running

  Scenario Outline: <call> without __try, for a system service: SYSTEM_SERVICE_EXCEPTION (access violation)
    Given a machine
    And a user process "app"
    When the driver calls <call>
    Then the machine bug-checked with SYSTEM_SERVICE_EXCEPTION (0xC0000005, *, *, 0)

    Examples:
      | call                         |
      | IoFreeMdl(NULL)              |
      | IoCompleteRequest(NULL, 0)   |
      | MmUnlockPages(NULL)          |
      | MmBuildMdlForNonPagedPool(NULL) |

  Scenario: KeRaiseIrql(16) loads CR8 with a value it does not take: #GP, raised as an access violation
    # x64: KeRaiseIrql is an inline "mov cr8"; a value above 15 is a general-protection fault,
    # which the kernel raises as STATUS_ACCESS_VIOLATION. The IRQL does not change.
    Given a machine
    And a user process "app"
    When the driver calls KeRaiseIrql(16) inside __try
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And CurrentIrql is PASSIVE_LEVEL

  Scenario: reading 2 GiB from a one-page pool block faults on the first page past it
    Given a machine
    And a user process "app"
    When the driver calls p = ExAllocatePoolWithTag(NonPagedPool, 0x1000, 0x74736554)
    And the driver reads 0x80000000 bytes at p
    Then the machine bug-checked with PAGE_FAULT_IN_NONPAGED_AREA (p + 0x1000, 0, *, *)

  Scenario: IoBuildPartialMdl given the mapped system address instead of MmGetMdlVirtualAddress reads far past the source MDL
    # Microsoft: VirtualAddress must be within the range MmGetMdlVirtualAddress(SourceMdl) describes;
    # the offset from the user address to the system one indexes the PFN array out of bounds.
    Given a machine
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)            |
      | sva = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) |
      | part = IoAllocateMdl(sva, 0x1000, FALSE, FALSE, NULL)       |
      | IoBuildPartialMdl(mdl, part, sva + 0x1000, 0x1000)          |
    Then the machine bug-checked with PAGE_FAULT_IN_NONPAGED_AREA (*, 0, *, *)

  Scenario: an MDL whose ByteCount exceeds its storage: the probe writes PFNs past the block, over the next block's pool header
    Given a machine
    And a user process "app"
    And "app" allocates 0x10000 of PAGE_READWRITE memory as buf
    And an MDL "mdl" describing 0x2000 bytes at buf
    When the driver calls:
      | next = ExAllocatePoolWithTag(NonPagedPool, 0x40, 0x7478654E)                    |
      | mdl->ByteCount = 0x10000                                                        |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                                |
      | MmUnlockPages(mdl)                                                              |
    Then MmGetMdlPfnArray(mdl)[15] is pte(buf + 0xF000)->PageFrameNumber
    And the machine is running
    # Freeing the MDL compares its header with the next block's, whose PreviousSize is now a PFN.
    When the driver calls ExFreePool(mdl)
    Then the machine bug-checked with BAD_POOL_HEADER (0x05, (ULONG_PTR)mdl - 0x10, 0, (ULONG_PTR)next - 0x10)

  Scenario: a pool request of 2^63 bytes returns NULL and leaves pool as it was
    Given a machine
    And a user process "app"
    And PoolBytesInUse is noted as pool0
    And AvailablePages is noted as avail0
    When the driver calls:
      | p = ExAllocatePoolWithTag(NonPagedPool, 0x8000000000000000, 0x74736554) |
      | q = ExAllocatePoolWithTag(PagedPool, 0xFFFFFFFFFFFFFFF0, 0x74736554)    |
    Then p is NULL
    And q is NULL
    And PoolBytesInUse is pool0
    And AvailablePages is avail0
    When the driver calls mdl = IoAllocateMdl(NULL, 0x10000, FALSE, FALSE, NULL)
    Then mdl is not NULL
    And the machine is running

  Scenario: IoAllocateMdl(NULL, 0xFFFFF000, ...) on an 8 MiB machine returns NULL: its 8 MiB MDL does not fit in pool
    Given a machine with 8 MiB of physical memory
    And AvailablePages is noted as avail0
    When the driver calls mdl = IoAllocateMdl(NULL, 0xFFFFF000, FALSE, FALSE, NULL)
    Then mdl is NULL
    And AvailablePages is avail0
    And the machine is running
