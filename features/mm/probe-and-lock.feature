@mm
Feature: MmProbeAndLockPages probes, makes resident and locks; it never maps

  MmProbeAndLockPages checks the range (UserMode only), touches every page (faulting it in, and
  write-probing user pages for a write operation), then takes one PFN reference per page and
  charges the process's locked-page count. Any failure is raised, and the MDL is left unlocked.
  Sources: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmprobeandlockpages
  and ReactOS ntoskrnl/mm/ARM3/mdlsup.c (order of operations, https://github.com/reactos/reactos/blob/master/ntoskrnl/mm/ARM3/mdlsup.c).

  Background:
    Given a machine
    And a user process "app"
    And "app" allocates 0x3000 of PAGE_READWRITE memory as buf
    And "app" allocates 0x1000 of PAGE_READONLY memory as ro
    And "app" allocates 0x1000 of PAGE_NOACCESS memory as na
    And MmSystemLockPagesCount is noted as locks0

  @ddi:MmProbeAndLockPages
  Scenario Outline: <operation> from <mode> on read-write pages sets the flags the operation asks for
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, <mode>, <operation>)        |
    Then mdl->MdlFlags has MDL_PAGES_LOCKED
    And mdl->MdlFlags & MDL_WRITE_OPERATION is <write flag>
    And mdl->MdlFlags lacks MDL_MAPPED_TO_SYSTEM_VA
    And mdl->Process is app
    And app->NumberOfLockedPages is 3
    And MmSystemLockPagesCount is locks0 + 3
    And pfn(MmGetMdlPfnArray(mdl)[1])->LockCount is 1

    Examples:
      | mode       | operation      | write flag          |
      | UserMode   | IoReadAccess   | 0                   |
      | UserMode   | IoWriteAccess  | MDL_WRITE_OPERATION |
      | UserMode   | IoModifyAccess | MDL_WRITE_OPERATION |
      | KernelMode | IoReadAccess   | 0                   |
      | KernelMode | IoWriteAccess  | MDL_WRITE_OPERATION |

  @ddi:MmProbeAndLockPages
  Scenario Outline: <operation> on a <protection> page from <mode>: <outcome>
    When the driver calls inside __try:
      | mdl = IoAllocateMdl(<buffer>, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, <mode>, <operation>)             |
    Then the driver's __except caught <status>
    And mdl->MdlFlags & MDL_PAGES_LOCKED is <locked>
    And app->NumberOfLockedPages is <charged>
    And MmSystemLockPagesCount is locks0 + <charged>

    Examples:
      | protection    | buffer | mode     | operation     | status                  | locked           | charged | outcome          |
      | PAGE_READONLY | ro     | UserMode | IoReadAccess  | nothing                 | MDL_PAGES_LOCKED | 1       | locked           |
      | PAGE_READONLY | ro     | UserMode | IoWriteAccess | STATUS_ACCESS_VIOLATION | 0                | 0       | access violation |
      | PAGE_NOACCESS | na     | UserMode | IoReadAccess  | STATUS_ACCESS_VIOLATION | 0                | 0       | access violation |

  @ddi:MmProbeAndLockPages
  Scenario: A failed probe leaves the MDL unlocked, with no process and LIST_HEAD in its first PFN slot
    When the driver calls inside __try:
      | mdl = IoAllocateMdl(na, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)    |
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And mdl->MdlFlags lacks MDL_PAGES_LOCKED | MDL_WRITE_OPERATION
    And mdl->Process is NULL
    And MmGetMdlPfnArray(mdl)[0] is 0xFFFFFFFFFFFFFFFF
    When the driver calls IoFreeMdl(mdl)
    Then the machine is running

  @ddi:MmProbeAndLockPages
  Scenario: A failure on the second page unlocks the first again before the exception leaves
    Given "app" allocates 0x2000 of PAGE_READWRITE memory as two
    And "app" protects two+0x1000 for 0x1000 to PAGE_READONLY
    When the driver calls inside __try:
      | mdl = IoAllocateMdl(two, 0x2000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoWriteAccess)    |
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And mdl->MdlFlags lacks MDL_PAGES_LOCKED
    And app->NumberOfLockedPages is 0
    And MmSystemLockPagesCount is locks0
    And pfn(pte(two)->PageFrameNumber)->LockCount is 0

  @ddi:MmProbeAndLockPages
  Scenario: A guard page raises STATUS_GUARD_PAGE_VIOLATION once; the second probe locks it
    Given "app" changes the protection of buf for 0x1000 to PAGE_READWRITE | PAGE_GUARD
    When the driver calls inside __try:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    Then the driver's __except caught STATUS_GUARD_PAGE_VIOLATION
    And mdl->MdlFlags lacks MDL_PAGES_LOCKED
    When the driver calls MmProbeAndLockPages(mdl, UserMode, IoReadAccess) inside __try
    Then the driver's __except caught nothing
    And mdl->MdlFlags has MDL_PAGES_LOCKED

  @ddi:MmProbeAndLockPages
  Scenario Outline: From UserMode, a range <range> raises STATUS_ACCESS_VIOLATION before any page is touched
    Given PageFaults is noted as faults0
    When the driver calls inside __try:
      | mdl = IoAllocateMdl(<address>, <length>, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)             |
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And mdl->MdlFlags lacks MDL_PAGES_LOCKED
    And PageFaults is faults0

    Examples:
      | range                                     | address          | length |
      | ending one byte beyond MmUserProbeAddress | 0x7FFFFFFEF001   | 0x1000 |
      | starting at MmUserProbeAddress            | MmUserProbeAddress | 0x10 |
      | in system space                           | 0xFFFFF88000000000 | 0x1000 |

  @ddi:MmProbeAndLockPages
  Scenario: A range that ends exactly at MmUserProbeAddress passes the range check and is probed
    # Nothing is allocated there (the highest VAD ends 64 KiB lower), so the probe's read faults.
    Given PageFaults is noted as faults0
    When the driver calls inside __try:
      | mdl = IoAllocateMdl(MmUserProbeAddress - 0x100, 0x100, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)                           |
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And PageFaults is faults0 + 1

  @ddi:MmProbeAndLockPages
  Scenario: A zero-length MDL fails the UserMode range check (Address >= LastAddress)
    Given an MDL "empty" describing 0 bytes at buf
    When the driver calls MmProbeAndLockPages(empty, UserMode, IoReadAccess) inside __try
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And empty->MdlFlags lacks MDL_PAGES_LOCKED

  @ddi:MmProbeAndLockPages
  Scenario: A range that wraps around the address space fails the UserMode range check
    Given an MDL "wrap" describing 0x2000 bytes at 0xFFFFFFFFFFFFF000
    When the driver calls MmProbeAndLockPages(wrap, UserMode, IoReadAccess) inside __try
    Then the driver's __except caught STATUS_ACCESS_VIOLATION
    And wrap->MdlFlags lacks MDL_PAGES_LOCKED

  @ddi:MmProbeAndLockPages
  Scenario: A buffer with a byte offset spans one more page than its length suggests
    When the driver calls:
      | mdl = IoAllocateMdl(buf + 0x800, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)             |
    Then these hold:
      | expression                  | value                      |
      | MmGetMdlByteOffset(mdl)     | 0x800                      |
      | mdl->StartVa                | buf                        |
      | MmGetMdlVirtualAddress(mdl) | buf + 0x800                |
      | MmGetMdlByteCount(mdl)      | 0x1000                     |
      | app->NumberOfLockedPages    | 2                          |
      | MmGetMdlPfnArray(mdl)[0]    | pte(buf)->PageFrameNumber  |
      | MmGetMdlPfnArray(mdl)[1]    | pte(buf + 0x1000)->PageFrameNumber |
      | mdl->Size                   | 0x40                       |

  @ddi:MmProbeAndLockPages
  Scenario: Pages on the standby list come back by transition faults, not from the paging file
    Given "app" touches every page of buf for 0x3000
    And the working set of "app" is trimmed
    And TransitionFaults is noted as soft0
    And HardFaults is noted as hard0
    Then pte(buf)->Transition is 1
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x3000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    Then TransitionFaults is soft0 + 3
    And HardFaults is hard0
    And pte(buf)->Valid is 1

  @ddi:MmProbeAndLockPages
  Scenario: Locked pages stay resident when the working set is trimmed
    Given "app" touches every page of buf for 0x3000
    When the driver calls:
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
    And the working set of "app" is trimmed to the paging file
    Then pte(buf)->Valid is 1
    And pte(buf + 0x1000)->Valid is 0
    And pfn(MmGetMdlPfnArray(mdl)[0])->PageLocation is ActiveAndValid

  @ddi:MmProbeAndLockPages @ddi:MmUnlockPages
  Scenario: The same page locked by two MDLs stays locked until both are unlocked
    When the driver calls:
      | a = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | b = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(a, UserMode, IoReadAccess)     |
      | MmProbeAndLockPages(b, UserMode, IoWriteAccess)    |
      | page = MmGetMdlPfnArray(a)[0]                      |
    Then MmGetMdlPfnArray(b)[0] is page
    And pfn(page)->LockCount is 2
    And app->NumberOfLockedPages is 2
    And MmSystemLockPagesCount is locks0 + 1
    When the driver calls MmUnlockPages(a)
    Then pfn(page)->LockCount is 1
    And MmSystemLockPagesCount is locks0 + 1
    When the driver calls MmUnlockPages(b)
    Then pfn(page)->LockCount is 0
    And MmSystemLockPagesCount is locks0
    And app->NumberOfLockedPages is 0

  @ddi:MmProbeAndLockProcessPages
  Scenario: MmProbeAndLockProcessPages locks another process's buffer by attaching to it
    Given a user process "other"
    And "other" allocates 0x2000 of PAGE_READWRITE memory as theirs
    And "other" writes "other's data" at theirs
    And "app" is running on processor 0
    When the driver calls:
      | mdl = IoAllocateMdl(theirs, 0x2000, FALSE, FALSE, NULL)        |
      | MmProbeAndLockProcessPages(mdl, other, UserMode, IoReadAccess) |
      | va = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority)     |
    Then mdl->Process is other
    And other->NumberOfLockedPages is 2
    And app->NumberOfLockedPages is 0
    And CurrentProcess is app
    And the driver reads "other's data" at va

  Scenario: MmIsAddressValid and MmGetPhysicalAddress read the PTE and touch nothing: a trimmed page is not valid until locked
    # https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmisaddressvalid
    # https://learn.microsoft.com/windows-hardware/drivers/ddi/ntddk/nf-ntddk-mmgetphysicaladdress
    Given a user process "app"
    And "app" allocates 0x1000 of PAGE_READWRITE memory as buf
    And "app" writes "resident" at buf+0x10
    And the working set of "app" is trimmed to the paging file
    And PageFaults is noted as faults0
    When the driver calls:
      | before = MmIsAddressValid(buf)                       |
      | pa0 = MmGetPhysicalAddress(buf + 0x10)               |
      | mdl = IoAllocateMdl(buf, 0x1000, FALSE, FALSE, NULL) |
      | MmProbeAndLockPages(mdl, UserMode, IoReadAccess)     |
      | after = MmIsAddressValid(buf)                        |
      | pa = MmGetPhysicalAddress(buf + 0x10)                |
      | me = KeGetCurrentThread()                            |
      | proc = IoGetCurrentProcess()                         |
    Then before is 0
    And pa0 is 0
    And after is 1
    And pa is (MmGetMdlPfnArray(mdl)[0] << 12) + 0x10
    And me->Tcb.Process is proc
    And proc is app
    And PageFaults is faults0 + 1
