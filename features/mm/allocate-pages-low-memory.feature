@mm
Feature: MmAllocatePagesForMdlEx when physical memory is short

  "MmAllocatePagesForMdlEx can return an MDL that describes fewer pages than requested; the caller
  must check MmGetMdlByteCount" unless MM_ALLOCATE_FULLY_REQUIRED, which makes it all or NULL.
  Source: https://learn.microsoft.com/windows-hardware/drivers/ddi/wdm/nf-wdm-mmallocatepagesformdlex

  @ddi:MmAllocatePagesForMdlEx
  Scenario: Asking for 256 MiB on a 16 MiB machine returns what there is
    Given the machine has 16 MiB of physical memory
    When the driver calls mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFF, 0, 0x10000000, MmCached, 0)
    Then mdl is not NULL
    And MmGetMdlByteCount(mdl) is less than 0x1000000
    And MmGetMdlByteCount(mdl) is greater than 0x800000
    And AvailablePages is 0
    And the machine is running

  @ddi:MmAllocatePagesForMdlEx
  Scenario: With MM_ALLOCATE_FULLY_REQUIRED the same request returns NULL and keeps nothing
    Given the machine has 16 MiB of physical memory
    # The MDL for 64 Ki pages is a big pool block: a first one makes the page tables of that pool
    # range, which the system keeps; what the failed call itself takes must all come back.
    And the driver calls:
      | warm = ExAllocatePoolWithTag(NonPagedPool, 0x80040, 0x6D726157) |
      | ExFreePool(warm)                                                 |
    And AvailablePages is noted as avail0
    When the driver calls mdl = MmAllocatePagesForMdlEx(0, 0xFFFFFFFFFFFF, 0, 0x10000000, MmCached, MM_ALLOCATE_FULLY_REQUIRED)
    Then mdl is NULL
    And AvailablePages is avail0
